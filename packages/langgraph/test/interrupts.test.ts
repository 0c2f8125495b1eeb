/**
 * Parallel `interrupt()`s with `onInterrupt`: two branches of one superstep ask a human each. Both humans
 * are asked before either answer is awaited, and the answers resume their own branch. Normal and
 * always-replay mode.
 */
import { Annotation, interrupt, START, StateGraph } from '@langchain/langgraph';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph } from '../src/index.js';

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (left, right) => left.concat(right), default: () => [] }),
});

/** Two branches from START, each pausing for its own approver. */
const twoApprovals = () =>
  new StateGraph(State)
    .addNode('legal', () => ({ log: [`legal: ${interrupt({ who: 'legal' }) as string}`] }))
    .addNode('finance', () => ({ log: [`finance: ${interrupt({ who: 'finance' }) as string}`] }))
    .addEdge(START, 'legal')
    .addEdge(START, 'finance')
    .compile();

/** Awakeable ids by approver, as the onInterrupt callback sent them. */
const asked = new Map<string, string>();

const service = restate.object({
  name: 'ParallelInterrupts',
  handlers: {
    async run(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await durableGraph(ctx, twoApprovals(), {
        onInterrupt: ({ awakeableId, value }) => {
          asked.set(`${ctx.key}:${(value as { who: string }).who}`, awakeableId);
        },
      }).invoke({});
      return [...state.log].sort();
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('parallel interrupts ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));

  it('asks every approver before awaiting any answer, and resumes each branch with its own', async () => {
    const key = `two-${mode}`;
    const { invocationId } = await env.send({
      service: 'ParallelInterrupts',
      handler: 'run',
      key,
    });
    // Both requests are sent while no answer has come in.
    await env.waitForJournal(
      invocationId,
      (entries) =>
        entries.filter((entry) => entry.name === 'langgraph:interrupt' && entry.completed === true)
          .length === 2,
      { timeoutMs: 30_000 },
    );
    await env.resolveAwakeable(asked.get(`${key}:finance`) as string, 'ok');
    await env.resolveAwakeable(asked.get(`${key}:legal`) as string, 'approved');
    expect(await env.attach(invocationId, { timeoutMs: 30_000 })).toEqual([
      'finance: ok',
      'legal: approved',
    ]);
  });
});
