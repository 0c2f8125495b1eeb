/**
 * Side effects a node makes before `interrupt()` run once. LangGraph resumes an interrupted node by running
 * it again from the top; under `durableGraph` the node's durable steps (a `durableChatModel` call, a
 * `durableTool` call, `durableNodeStep`) return what they returned before the interrupt instead of running
 * again — when the resume comes inside the invocation (`onInterrupt`, an awakeable) and when it comes in a
 * later invocation (`Command({ resume })`). `ChatOpenAI` over HTTP to the scripted model server, steps with
 * real latency; normal and always-replay mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { Command, interrupt, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';
import { durableChatModel, durableTool } from '@restate-agents/langchain';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableGraph, durableNodeStep } from '../src/index.js';

const model = useMockModel();

/** Side effects seen outside Restate, by object key. */
const effects = new Map<string, string[]>();
const effect = (key: string, what: string) => effects.set(key, [...(effects.get(key) ?? []), what]);
const count = (key: string, what: string) =>
  (effects.get(key) ?? []).filter((seen) => seen === what).length;

/** Awakeable ids the onInterrupt callback was given, by object key. */
const asked = new Map<string, string>();

/**
 * One node: holds a seat (a step), asks the model, checks the fare (a durable tool), then asks a human;
 * after the answer it books (a step). Everything before `interrupt()` must happen once.
 */
function bookingGraph(ctx: restate.ObjectContext) {
  const key = ctx.key;
  const chat = durableChatModel(
    ctx,
    new ChatOpenAI({
      model: key,
      apiKey: 'scripted',
      maxRetries: 0,
      configuration: { baseURL: model.openaiBaseUrl },
    }),
  );
  const fare = durableTool(
    ctx,
    tool(
      async ({ seat }) => {
        await sleep(40);
        effect(key, 'fare');
        return `${seat} costs 120 EUR`;
      },
      { name: 'fare', description: 'Fare of a seat', schema: z.object({ seat: z.string() }) },
    ),
  );
  return new StateGraph(MessagesAnnotation)
    .addNode('book', async (state) => {
      const seat = await durableNodeStep(ctx, 'hold-seat', async () => {
        await sleep(40);
        effect(key, 'hold');
        return '12A';
      });
      const advice = await chat.invoke(state.messages);
      const price = (await fare.invoke({ seat })) as string;
      const answer = interrupt({ seat, price, advice: advice.text }) as string;
      const booking = await durableNodeStep(ctx, 'book-seat', async () => {
        await sleep(40);
        effect(key, `book:${answer}`);
        return answer === 'yes' ? `booked ${seat}` : 'not booked';
      });
      return { messages: [new AIMessage(`${advice.text} | ${price} | ${booking}`)] };
    })
    .addEdge(START, 'book')
    .compile();
}

const texts = (messages: BaseMessage[]) => messages.map((message) => message.text);

const service = restate.object({
  name: 'InterruptSideEffects',
  handlers: {
    async inline(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await durableGraph(ctx, bookingGraph(ctx), {
        onInterrupt: ({ awakeableId }) => {
          asked.set(ctx.key, awakeableId);
        },
      }).invoke({ messages: [new HumanMessage('a window seat to Oslo')] });
      return texts(state.messages);
    },
    async start(ctx: restate.ObjectContext): Promise<number> {
      const state = await durableGraph(ctx, bookingGraph(ctx)).invoke({
        messages: [new HumanMessage('a window seat to Oslo')],
      });
      return (state as { __interrupt__?: unknown[] }).__interrupt__?.length ?? 0;
    },
    async resume(ctx: restate.ObjectContext, answer: string): Promise<string[]> {
      const state = await durableGraph(ctx, bookingGraph(ctx)).invoke(
        new Command({ resume: answer }),
      );
      return texts(state.messages);
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('side effects before interrupt() ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));
  const run = async (handler: string, key: string, input?: unknown) => {
    const { invocationId } = await env.send(
      { service: 'InterruptSideEffects', handler, key },
      input,
    );
    return env.attach(invocationId, { timeoutMs: 60_000 });
  };
  const memoKeys = async (key: string) =>
    Object.keys(await env.state('InterruptSideEffects', key)).filter((name) =>
      name.startsWith('langgraph:memo'),
    );

  it('run once when the node resumes inside the invocation (onInterrupt)', async () => {
    const key = `inline-${mode}`;
    model.conversation(key, [{ delayMs: 50, text: 'take 12A' }]);
    const { invocationId } = await env.send({
      service: 'InterruptSideEffects',
      handler: 'inline',
      key,
    });
    await env.waitForJournal(
      invocationId,
      (entries) =>
        entries.some((entry) => entry.name === 'langgraph:interrupt' && entry.completed === true),
      { timeoutMs: 30_000 },
    );
    await env.resolveAwakeable(asked.get(key) as string, 'yes');
    expect(await env.attach(invocationId, { timeoutMs: 60_000 })).toEqual([
      'a window seat to Oslo',
      'take 12A | 12A costs 120 EUR | booked 12A',
    ]);
    expect(effects.get(key)).toEqual(['hold', 'fare', 'book:yes']);
    expect(model.requestsFor(key)).toHaveLength(1);
    // One journal entry per side effect: the resumed node made no new step for them.
    const steps = (await env.journal(invocationId))
      .filter((entry) => entry.kind === 'command' && entry.type === 'Run')
      .map((entry) => entry.name);
    expect(steps.filter((name) => name === 'hold-seat')).toHaveLength(1);
    expect(steps.filter((name) => name?.startsWith('langchain:'))).toHaveLength(2);
  });

  it('run once when a later invocation resumes the node with Command({ resume }), and the kept results are cleared', async () => {
    const key = `later-${mode}`;
    model.conversation(key, [{ delayMs: 50, text: 'take 12A' }]);
    expect(await run('start', key)).toBe(1);
    expect(effects.get(key)).toEqual(['hold', 'fare']);
    // The results wait in the object's state for the resume.
    expect(await memoKeys(key)).toHaveLength(1);
    expect(await run('resume', key, 'yes')).toEqual([
      'a window seat to Oslo',
      'take 12A | 12A costs 120 EUR | booked 12A',
    ]);
    expect(count(key, 'hold')).toBe(1);
    expect(count(key, 'fare')).toBe(1);
    expect(count(key, 'book:yes')).toBe(1);
    expect(model.requestsFor(key)).toHaveLength(1);
    // The task completed: nothing is kept for it any more.
    expect(await memoKeys(key)).toEqual([]);
  });
});
