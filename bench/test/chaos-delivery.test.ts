/**
 * The streaming chaos run's client-side bookkeeping (src/chaos-delivery.ts), on chunk sequences a client
 * can read: a preview retracted by `reset-step` and replaced is shown once; a preview left concatenated
 * with its replacement counts its extra words; a message that never got the whole answer is told apart.
 */
import type { UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { foldDelivery, wordsBeyondPrefix } from '../src/chaos-delivery.ts';

const ANSWER = 'Turn 0: recording now. done: every item is recorded once.';

async function* chunks(list: UIMessageChunk[]): AsyncGenerator<UIMessageChunk> {
  yield* list;
}

/** One step's text as the log sends it. */
const step = (id: string, ...deltas: string[]): UIMessageChunk[] => [
  { type: 'start-step' },
  { type: 'text-start', id },
  ...deltas.map((delta): UIMessageChunk => ({ type: 'text-delta', id, delta })),
  { type: 'text-end', id },
  { type: 'finish-step' },
];

describe('chaos delivery: what a streaming client saw', () => {
  it('counts the words beyond the longest prefix of the answer', () => {
    expect(wordsBeyondPrefix('Turn 0: rec', ANSWER)).toBe(0);
    expect(wordsBeyondPrefix(ANSWER, ANSWER)).toBe(0);
    expect(wordsBeyondPrefix('Turn 0: recTurn 0: recording now.', ANSWER)).toBe(4);
  });

  it('shows a retracted preview once: reset-step removes it before the rebuilt step', async () => {
    const progress = { retractions: 0 };
    const result = await foldDelivery(
      chunks([
        { type: 'start' },
        { type: 'start-step' },
        { type: 'text-start', id: 'a' },
        { type: 'text-delta', id: 'a', delta: 'Turn 0: rec' },
        { type: 'reset-step' },
        ...step('b', 'Turn 0: ', 'recording now. '),
        ...step('c', 'done: every item ', 'is recorded once.'),
        { type: 'finish' },
      ]),
      ANSWER,
      progress,
    );
    expect(result).toEqual({ final: ANSWER, wordsShownTwice: 0 });
    expect(progress.retractions).toBe(1);
  });

  it('counts a preview left concatenated with its replacement, and a missing end', async () => {
    const twice = await foldDelivery(
      chunks([
        { type: 'start' },
        { type: 'start-step' },
        { type: 'text-start', id: 'a' },
        { type: 'text-delta', id: 'a', delta: 'Turn 0: rec' },
        ...step('b', 'Turn 0: ', 'recording now. '),
        ...step('c', 'done: every item ', 'is recorded once.'),
        { type: 'finish' },
      ]),
      ANSWER,
    );
    expect(twice.wordsShownTwice).toBeGreaterThan(0);
    expect(twice.final).not.toBe(ANSWER);
    const cut = await foldDelivery(
      chunks([{ type: 'start' }, ...step('b', 'Turn 0: ', 'recording now. ')]),
      ANSWER,
    );
    expect(cut).toEqual({ final: 'Turn 0: recording now. ', wordsShownTwice: 0 });
  });
});
