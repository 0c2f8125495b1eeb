/**
 * R4/R5 against a real server: a cancellation arriving while a tool waits reaches the tool as a
 * `CancelledError`; an SDK-style catch-all turns every tool error into a message for the model. Without
 * the latch the cancelled agent keeps calling the model; with it, the invocation ends cancelled.
 */
import type { InvocationFailedError } from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { ControlErrorLatch } from '../src/index.js';

const env = useRestate();

const modelCalls = new Map<string, number>();

/** A tool that waits for a human (an awakeable) and tells the test it is waiting. */
async function waitForHuman(ctx: restate.ObjectContext): Promise<string> {
  const { id, promise } = ctx.awakeable<string>();
  // The journal entry the test waits for before it cancels.
  await ctx.run('announce', () => id);
  return promise;
}

/** The loop of a typical agent SDK: tool errors are caught and handed to the model as text. */
async function sdkLikeLoop(ctx: restate.ObjectContext, latch: ControlErrorLatch | undefined) {
  const transcript: string[] = [];
  for (let turn = 0; turn < 3; turn++) {
    modelCalls.set(ctx.key, (modelCalls.get(ctx.key) ?? 0) + 1);
    try {
      const result = latch ? await latch.guard(() => waitForHuman(ctx)) : await waitForHuman(ctx);
      transcript.push(`tool result: ${result}`);
    } catch (error) {
      transcript.push(`tool error: ${(error as Error).message}`);
    }
    // Where the SDK lets errors escape again (a step boundary, a stop condition).
    latch?.rethrow();
  }
  return transcript;
}

const agent = restate.object({
  name: 'LatchProbe',
  handlers: {
    withoutLatch: async (ctx: restate.ObjectContext) => sdkLikeLoop(ctx, undefined),
    withLatch: async (ctx: restate.ObjectContext) => sdkLikeLoop(ctx, new ControlErrorLatch()),
  },
});

const startAndCancel = async (handler: string, key: string) => {
  const { invocationId } = await env.send({ service: 'LatchProbe', handler, key });
  await env.waitForJournal(invocationId, (journal) =>
    journal.some((entry) => entry.name === 'announce'),
  );
  await env.cancel(invocationId);
  return invocationId;
};

beforeAll(async () => {
  await env.register({ services: [agent] });
});

describe('ControlErrorLatch through a catch-all tool error handler', () => {
  it('without the latch, the cancelled agent goes on calling the model', async () => {
    const invocationId = await startAndCancel('withoutLatch', 'no-latch');
    // The swallowed cancellation sends the agent into its next turn (and it would wait there for a
    // human who will never come): the bug the latch exists for.
    await env.waitForJournal(
      invocationId,
      (journal) => journal.filter((entry) => entry.name === 'announce').length >= 2,
    );
    expect(modelCalls.get('no-latch')).toBeGreaterThanOrEqual(2);
    await env.kill(invocationId);
  });

  it('with the latch, the invocation ends cancelled (409) after one model call', async () => {
    const invocationId = await startAndCancel('withLatch', 'latch');
    const error = (await env
      .attach(invocationId)
      .catch((e: unknown) => e)) as InvocationFailedError;
    expect(error.code).toBe(409);
    expect(error.message).toBe('Cancelled');
    expect(modelCalls.get('latch')).toBe(1);
  });
});
