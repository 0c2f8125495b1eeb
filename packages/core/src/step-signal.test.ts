import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { withStepSignal } from './step-signal.js';

describe('withStepSignal', () => {
  for (const source of ['call', 'attempt'] as const) {
    it(`aborts the step's signal when the ${source} signal aborts, with its reason`, async () => {
      const call = new AbortController();
      const attempt = new AbortController();
      const reason = new Error(`${source} over`);
      const seen = await withStepSignal(call.signal, attempt.signal, async (signal) => {
        expect(signal.aborted).toBe(false);
        (source === 'call' ? call : attempt).abort(reason);
        return signal;
      });
      expect(seen.aborted).toBe(true);
      expect(seen.reason).toBe(reason);
    });
  }

  it('hands over a signal aborted already when a source was aborted before the step', async () => {
    const attempt = new AbortController();
    attempt.abort('gone');
    const seen = await withStepSignal(undefined, attempt.signal, (signal) => signal);
    expect(seen.aborted).toBe(true);
    expect(seen.reason).toBe('gone');
  });

  it('drops the link once the work settles: a later abort of the sources reaches nothing', async () => {
    // Restate aborts every attempt's signal when the invocation ends; a provider request that finished
    // long before must not be aborted (and torn down) again then.
    const call = new AbortController();
    const attempt = new AbortController();
    const seen = await withStepSignal(call.signal, attempt.signal, (signal) => signal);
    await expect(
      withStepSignal(call.signal, attempt.signal, () => Promise.reject(new Error('failed'))),
    ).rejects.toThrow('failed');
    // One listener per attempt, however many calls it ran; none left on the call's own signal.
    expect(getEventListeners(attempt.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(call.signal, 'abort')).toHaveLength(0);
    attempt.abort();
    call.abort();
    expect(seen.aborted).toBe(false);
  });

  it('aborts every call of the attempt still running when the attempt ends, through one listener', async () => {
    const attempt = new AbortController();
    const started: AbortSignal[] = [];
    const runs = [1, 2, 3].map(() =>
      withStepSignal(undefined, attempt.signal, (signal) => {
        started.push(signal);
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      }),
    );
    expect(getEventListeners(attempt.signal, 'abort')).toHaveLength(1);
    attempt.abort(new Error('attempt over'));
    for (const run of runs) await expect(run).rejects.toThrow('attempt over');
    expect(started.every((signal) => signal.aborted)).toBe(true);
  });
});
