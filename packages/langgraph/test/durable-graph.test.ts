import { AIMessage, HumanMessage } from '@langchain/core/messages';
import {
  Annotation,
  Command,
  interrupt,
  MessagesAnnotation,
  START,
  StateGraph,
} from '@langchain/langgraph';
import type { RestateEnvironment } from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph, RestateCheckpointSaver } from '../src/index.js';

const attempts = new Map<string, number>();

/** A node that fails with a TerminalError under LangGraph's default retry policy (3 attempts). */
function failingGraph(key: string) {
  return new StateGraph(Annotation.Root({ done: Annotation<boolean> }))
    .addNode(
      'charge',
      () => {
        attempts.set(key, (attempts.get(key) ?? 0) + 1);
        throw new restate.TerminalError('card declined');
      },
      { retryPolicy: { maxAttempts: 3, initialInterval: 1, jitter: false, logWarning: false } },
    )
    .addEdge(START, 'charge')
    .compile();
}

/** Asks a human through interrupt(), then answers with what it was told. */
const approvalGraph = new StateGraph(MessagesAnnotation)
  .addNode('ask', () => {
    const answer = interrupt({ question: 'ship it?' }) as string;
    return { messages: [new AIMessage(`answer: ${answer}`)] };
  })
  .addEdge(START, 'ask')
  .compile();

const service = restate.object({
  name: 'Graphs',
  handlers: {
    async plainRetry(ctx: restate.ObjectContext): Promise<number> {
      await failingGraph(ctx.key)
        .invoke({})
        .catch(() => undefined);
      return attempts.get(ctx.key) ?? 0;
    },
    async durableRetry(ctx: restate.ObjectContext): Promise<number> {
      // Counted per execution of the handler: in always-replay mode it runs again after each step.
      attempts.set(ctx.key, 0);
      await durableGraph(ctx, failingGraph(ctx.key))
        .invoke({})
        .catch(() => undefined);
      return attempts.get(ctx.key) ?? 0;
    },
    async start(ctx: restate.ObjectContext): Promise<unknown> {
      const state = await durableGraph(ctx, approvalGraph).invoke({
        messages: [new HumanMessage('deploy')],
      });
      return { interrupts: (state as { __interrupt__?: unknown[] }).__interrupt__?.length ?? 0 };
    },
    async resume(ctx: restate.ObjectContext, answer: string): Promise<unknown> {
      const state = await durableGraph(ctx, approvalGraph).invoke(new Command({ resume: answer }));
      return state.messages.map((message: { id?: string; text: string }) => [
        message.id,
        message.text,
      ]);
    },
    async inline(ctx: restate.ObjectContext): Promise<string> {
      const state = await durableGraph(ctx, approvalGraph, {
        onInterrupt: ({ awakeableId }) => {
          ctx.console.info(`approval ${awakeableId}`);
          pendingAwakeable.set(ctx.key, awakeableId);
        },
      }).invoke({ messages: [new HumanMessage('deploy')] });
      return state.messages.at(-1)?.text ?? '';
    },
    history: restate.handlers.object.shared(
      async (ctx: restate.ObjectSharedContext): Promise<number> => {
        let count = 0;
        for await (const _ of new RestateCheckpointSaver(ctx).list({
          configurable: { thread_id: ctx.key },
        })) {
          count += 1;
        }
        return count;
      },
    ),
  },
});
const pendingAwakeable = new Map<string, string>();

const server: RestateEnvironment = useRestate({ alwaysReplay: true });
beforeAll(() => server.register({ services: [service] }));

const call = async <T>(handler: string, key: string, input?: unknown): Promise<T> => {
  const { invocationId } = await server.send({ service: 'Graphs', handler, key }, input);
  return server.attach<T>(invocationId, { timeoutMs: 30_000 });
};

describe('durableGraph', () => {
  it("never lets a node's retryPolicy retry a TerminalError (LangGraph's default would, 3 times)", async () => {
    expect(await call<number>('plainRetry', 'plain')).toBe(3);
    expect(await call<number>('durableRetry', 'durable')).toBe(1);
  });

  it('ends the run at interrupt() and resumes it with Command({ resume }) in a later invocation', async () => {
    expect(await call('start', 'thread-1')).toEqual({ interrupts: 1 });
    const messages = await call<[string, string][]>('resume', 'thread-1', 'yes');
    expect(messages.map(([, text]) => text)).toEqual(['deploy', 'answer: yes']);
    // Ids were given by durableGraph (core's id source, seeded by the invocation id), the same on replay.
    for (const [id] of messages)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await call<number>('history', 'thread-1')).toBeGreaterThanOrEqual(2);
  });

  it('pauses interrupt() on an awakeable inside the invocation and resumes with its value', async () => {
    const { invocationId } = await server.send({
      service: 'Graphs',
      handler: 'inline',
      key: 'inline',
    });
    await server.waitForJournal(invocationId, (entries) =>
      entries.some((entry) => entry.name === 'langgraph:interrupt' && entry.completed === true),
    );
    const awakeableId = pendingAwakeable.get('inline');
    expect(awakeableId).toMatch(/^sign_/);
    await server.resolveAwakeable(awakeableId as string, 'approved');
    expect(await server.attach<string>(invocationId, { timeoutMs: 30_000 })).toBe(
      'answer: approved',
    );
  });
});
