/**
 * The commit of a run's checkpoints against the size of one journal entry: writes larger than one step
 * are split over several `langgraph:checkpoint` steps, and a thread whose state already holds a channel
 * value over the limit is refused before any node runs — not after the run's model calls were paid.
 * Normal and always-replay mode.
 */
import { Annotation, START, StateGraph } from '@langchain/langgraph';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph, RestateCheckpointSaver } from '../src/index.js';

const LIMIT = 100_000;
const State = Annotation.Root({
  a: Annotation<string>,
  b: Annotation<string>,
  c: Annotation<string>,
  note: Annotation<string>,
});

/** Node runs per object key, seen outside Restate. */
const runs = new Map<string, number>();

const graph = (key: string) =>
  new StateGraph(State)
    .addNode('fill', (state) => {
      runs.set(key, (runs.get(key) ?? 0) + 1);
      // Three values of 60 kB: together over one step's limit, each under it.
      return state.note === 'fill'
        ? { a: 'a'.repeat(60_000), b: 'b'.repeat(60_000), c: 'c'.repeat(60_000) }
        : { note: 'ran' };
    })
    .addEdge(START, 'fill')
    .compile();

const service = restate.object({
  name: 'CheckpointSize',
  handlers: {
    /** A run whose writes need more than one commit step under the small limit. */
    async fill(ctx: restate.ObjectContext): Promise<number> {
      const saver = new RestateCheckpointSaver(ctx, { step: { maxValueBytes: LIMIT } });
      const state = await durableGraph(ctx, graph(ctx.key), { checkpointer: saver }).invoke({
        note: 'fill',
      });
      return state.a.length + state.b.length + state.c.length;
    },
    /** A thread given a 150 kB value under the default limit, then run under the small one. */
    async grow(ctx: restate.ObjectContext): Promise<void> {
      await durableGraph(ctx, graph(ctx.key)).updateState(undefined, { a: 'x'.repeat(150_000) });
    },
    async runSmall(ctx: restate.ObjectContext): Promise<string> {
      const saver = new RestateCheckpointSaver(ctx, { step: { maxValueBytes: LIMIT } });
      const state = await durableGraph(ctx, graph(ctx.key), { checkpointer: saver }).invoke({
        note: 'again',
      });
      return state.note;
    },
    /** Three runs on one thread with keepCheckpoints: 2; returns the thread's checkpoint count. */
    async pruned(ctx: restate.ObjectContext): Promise<{ checkpoints: number; blobs: number }> {
      const saver = new RestateCheckpointSaver(ctx, { keepCheckpoints: 2 });
      for (const note of ['one', 'two', 'three']) {
        await durableGraph(ctx, graph(ctx.key), { checkpointer: saver }).invoke({ note });
      }
      let checkpoints = 0;
      for await (const _ of saver.list({ configurable: { thread_id: ctx.key } })) checkpoints += 1;
      const blobs = (await ctx.stateKeys()).filter((key) => key.startsWith('langgraph:blob:'));
      return { checkpoints, blobs: blobs.length };
    },
    read: restate.handlers.object.shared(async (ctx: restate.ObjectSharedContext) => {
      const tuple = await new RestateCheckpointSaver(ctx).getTuple({
        configurable: { thread_id: ctx.key },
      });
      const values = (tuple?.checkpoint.channel_values ?? {}) as Record<string, string>;
      return ['a', 'b', 'c'].map((channel) => values[channel]?.length ?? 0);
    }),
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('checkpoint commit size ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay });
  beforeAll(() => env.register({ services: [service] }));
  const send = (handler: string, key: string) =>
    env.send({ service: 'CheckpointSize', handler, key });

  it('splits writes larger than one step over several langgraph:checkpoint steps', async () => {
    const key = `fill-${mode}`;
    const { invocationId } = await send('fill', key);
    expect(await env.attach(invocationId, { timeoutMs: 30_000 })).toBe(180_000);
    const commits = (await env.journal(invocationId)).filter(
      (entry) => entry.name === 'langgraph:checkpoint',
    );
    expect(commits.length).toBeGreaterThanOrEqual(2);
    const read = await send('read', key);
    expect(await env.attach(read.invocationId)).toEqual([60_000, 60_000, 60_000]);
  });

  it('keepCheckpoints prunes old checkpoints and the values only they refer to', async () => {
    const key = `pruned-${mode}`;
    const { invocationId } = await send('pruned', key);
    const result = await env.attach<{ checkpoints: number }>(invocationId, { timeoutMs: 30_000 });
    expect(result.checkpoints).toBe(2);
    // In state: two checkpoints, and only the blobs they refer to (three runs wrote five versions of note
    // and the start channel).
    const state = Object.keys(await env.state('CheckpointSize', key));
    expect(state.filter((name) => name.startsWith('langgraph:cp:'))).toHaveLength(2);
    const blobs = state.filter((name) => name.startsWith('langgraph:blob:'));
    const noteBlobs = blobs.filter((name) => name.includes('"note"'));
    expect(noteBlobs).toHaveLength(2);
  });

  it('refuses a thread holding a value over the limit before any node runs', async () => {
    const key = `grow-${mode}`;
    await env.attach((await send('grow', key)).invocationId, { timeoutMs: 30_000 });
    const { invocationId } = await send('runSmall', key);
    const failure = await env
      .attach(invocationId, { timeoutMs: 30_000 })
      .catch((error: unknown) => error as Error);
    expect((failure as Error).message).toMatch(
      /checkpoint-too-large: the channel "a" of thread "grow-.*" holds \d+ bytes, over the 100000 bytes.*maxValueBytes/s,
    );
    expect(runs.get(key) ?? 0).toBe(0);
  });
});
