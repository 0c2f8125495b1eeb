/**
 * The adapter's rules proved in always-replay mode (the server suspends at every await, so the handler
 * runs again from the top for each journaled step and any nondeterminism shows), with `ChatOpenAI` over
 * HTTP to the scripted model server. Each test pairs the adapter with what breaks without it.
 */

import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import {
  AIMessage,
  type AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  ToolMessage,
} from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { createAgent } from 'langchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  durableChatModel,
  durableTool,
  RestateChatMessageHistory,
  restateMiddleware,
  STEP_NAMES,
} from '../src/index.js';

const env = useRestate({ alwaysReplay: true, disableRetries: true });
const model = useMockModel();

/** Observations made outside Restate, by invocation key. */
const seen = new Map<string, unknown[]>();
const observe = (key: string, value: unknown) => seen.set(key, [...(seen.get(key) ?? []), value]);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const chatOpenAI = (name: string) =>
  new ChatOpenAI({
    model: name,
    apiKey: 'scripted',
    configuration: { baseURL: model.openaiBaseUrl },
  });

/** A chat model that gives no message id (as many do): the id must come from inside the step. */
class NoIdModel extends BaseChatModel {
  constructor(readonly key: string) {
    super({});
  }
  override _llmType(): string {
    return 'no-id';
  }
  override async _generate(): Promise<ChatResult> {
    observe(`${this.key}:calls`, 1);
    return { generations: [{ text: 'hi', message: new AIMessage('hi') }] };
  }
}

/** Tools whose durable step comes after a delay that varies between executions, as network latency does. */
function racingTools(ctx: restate.ObjectContext) {
  let execution = 0;
  const make = (name: string) =>
    tool(
      async () => {
        execution++;
        const slow = (name === 'first') === (seen.get(`${ctx.key}:runs`)?.length ?? 0) % 2 > 0;
        await pause(slow ? 40 : 0);
        await ctx.run(`side-effect:${name}`, () => name);
        return `${name} done (${execution})`;
      },
      { name, description: `the ${name} tool`, schema: z.object({}) },
    );
  return [make('first'), make('second')];
}

const probe = restate.object({
  name: 'LangChainProbe',
  handlers: {
    async ids(ctx: restate.ObjectContext) {
      const answer = await durableChatModel(ctx, new NoIdModel(ctx.key)).invoke('hello');
      observe(ctx.key, answer.id);
      await ctx.run('after', () => 1);
      return answer.id;
    },
    async structured(ctx: restate.ObjectContext) {
      const extractor = durableChatModel(ctx, chatOpenAI(ctx.key)).withStructuredOutput(
        z.object({ city: z.string(), days: z.number() }),
        { name: 'extract' },
      );
      return extractor.invoke('Plan a trip to Oslo for 3 days');
    },
    async stream(ctx: restate.ObjectContext) {
      const streaming = durableChatModel(ctx, chatOpenAI(ctx.key));
      const pieces: string[] = [];
      let answer: AIMessageChunk | undefined;
      for await (const chunk of await streaming.stream('tell me')) {
        pieces.push(chunk.text);
        answer = answer ? answer.concat(chunk) : chunk;
      }
      return { text: answer?.text, id: answer?.id, pieces: pieces.length };
    },
    async agentTools(ctx: restate.ObjectContext, durable: boolean) {
      observe(`${ctx.key}:runs`, 1);
      const agent = createAgent({
        model: durable ? chatOpenAI(ctx.key) : durableChatModel(ctx, chatOpenAI(ctx.key)),
        tools: racingTools(ctx),
        // Without restateMiddleware createAgent runs both tool calls at once, as parallel graph tasks.
        middleware: durable ? [restateMiddleware(ctx)] : [],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage('run both')] });
      return messages
        .filter((message: BaseMessage) => ToolMessage.isInstance(message))
        .map((message: BaseMessage) => ({ id: message.id, text: message.text }));
    },
    async durableToolCalls(ctx: restate.ObjectContext) {
      const charge = durableTool(
        ctx,
        tool(
          ({ amount }) => {
            observe(`${ctx.key}:charged`, amount);
            // A 422 from a payment API: classified non-retryable, so the step gives up at once.
            if (amount < 0) {
              throw Object.assign(new Error('negative amounts are not allowed'), { status: 422 });
            }
            return `charged ${amount}`;
          },
          { name: 'charge', description: 'Charge', schema: z.object({ amount: z.number() }) },
        ),
      );
      const call = {
        id: 'call-1',
        name: 'charge',
        args: { amount: 5 },
        type: 'tool_call' as const,
      };
      const first = (await charge.invoke(call)) as ToolMessage;
      // The same call id again (a retried graph node): the journaled result, no second step.
      const again = (await charge.invoke(call)) as ToolMessage;
      const failed = await charge
        .invoke({ ...call, id: 'call-2', args: { amount: -1 } })
        .catch((error: unknown) => ({
          error: String(error),
          terminal: error instanceof restate.TerminalError,
        }));
      return { first: first.text, again: again.text, failed };
    },
    async history(ctx: restate.ObjectContext, phase: 'write' | 'read') {
      const history = new RestateChatMessageHistory(ctx, { chunkSize: 2 });
      if (phase === 'write') {
        await history.addMessages([
          new HumanMessage('weather?'),
          new AIMessage({
            content: '',
            tool_calls: [{ id: 'c1', name: 'weather', args: { city: 'Oslo' }, type: 'tool_call' }],
          }),
          new ToolMessage({ content: 'sunny', tool_call_id: 'c1' }),
        ]);
        return null;
      }
      const messages = await history.getMessages();
      return messages.map((message) => ({
        type: message.type,
        id: message.id,
        text: message.text,
        toolCalls: AIMessage.isInstance(message)
          ? message.tool_calls?.map((c) => c.args)
          : undefined,
        toolCallId: ToolMessage.isInstance(message) ? message.tool_call_id : undefined,
      }));
    },
  },
});

const invoke = async (handler: string, key: string, input?: unknown) =>
  (await env.send({ service: 'LangChainProbe', handler, key }, input)).invocationId;
const call = async <T>(handler: string, key: string, input?: unknown): Promise<T> =>
  env.attach<T>(await invoke(handler, key, input));

beforeAll(() => env.register({ services: [probe] }));

describe('durableChatModel (always-replay)', () => {
  it('R8: a model that gives no id gets one inside the step, the same on every replay', async () => {
    const id = await call<string>('ids', 'ids');
    const runs = seen.get('ids') ?? [];
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(run).toBe(id);
    expect(seen.get('ids:calls')).toHaveLength(1);
  });

  it('withStructuredOutput: the journaled answer comes back as an AIMessageChunk and parses', async () => {
    model.conversation('structured', [
      { toolCalls: [{ name: 'extract', arguments: { city: 'Oslo', days: 3 } }] },
    ]);
    expect(await call('structured', 'structured')).toEqual({ city: 'Oslo', days: 3 });
    expect(model.requestsFor('structured')).toHaveLength(1);
  });

  it('R6: stream() streams inside the step once and replays the journaled answer', async () => {
    model.conversation('stream', [{ text: 'A streamed answer in several pieces.' }]);
    const invocationId = await invoke('stream', 'stream');
    const result = await env.attach<{ text: string; id: string }>(invocationId);
    expect(result.text).toBe('A streamed answer in several pieces.');
    const requests = model.requestsFor('stream');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.stream).toBe(true);
    const steps = (await env.journal(invocationId)).filter(
      (entry) => entry.name === STEP_NAMES.model(1),
    );
    expect(steps).toHaveLength(1);
  });
});

describe('restateMiddleware (always-replay)', () => {
  const twoCalls = [
    {
      toolCalls: [
        { name: 'first', arguments: {} },
        { name: 'second', arguments: {} },
      ],
    },
    { text: 'both done' },
  ];

  it('R7: without it, createAgent runs a turn’s tools at once and the replay mismatches', async () => {
    model.conversation('unordered', twoCalls);
    const failure = await call('agentTools', 'unordered', false).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(env.logs() + String(failure)).toMatch(/mismatch|awaitNext already pending|570/i);
  });

  it('R7, R8: with it, tools run in model order and ToolMessage ids are stable', async () => {
    model.conversation('ordered', twoCalls);
    const invocationId = await invoke('agentTools', 'ordered', true);
    const results = await env.attach<Array<{ id: string; text: string }>>(invocationId);
    expect(results.map((result) => result.text)).toEqual(['first done (1)', 'second done (2)']);
    for (const result of results) expect(result.id).toMatch(/^tool-[0-9a-f-]{36}$/);
    const names = (await env.journal(invocationId))
      .map((entry) => entry.name)
      .filter((name) => name?.startsWith('side-effect:'));
    expect(names).toEqual(['side-effect:first', 'side-effect:second']);
    expect(model.requestsFor('ordered')).toHaveLength(2);
  });
});

describe('durableTool and RestateChatMessageHistory (always-replay)', () => {
  it('one step per call id; a step that gave up reaches the caller as an ordinary error', async () => {
    const invocationId = await invoke('durableToolCalls', 'tool');
    const result = await env.attach<{
      first: string;
      again: string;
      failed: { terminal: boolean; error: string };
    }>(invocationId);
    expect(result.first).toBe('charged 5');
    expect(result.again).toBe('charged 5');
    expect(result.failed.terminal).toBe(false);
    expect(result.failed.error).toMatch(/Tool "charge" failed: .*negative amounts/);
    expect(seen.get('tool:charged')?.filter((amount) => amount === 5)).toHaveLength(1);
    const steps = (await env.journal(invocationId))
      .map((entry) => entry.name)
      .filter((name) => name?.startsWith('langchain:tool:charge:'));
    expect(steps).toEqual([
      STEP_NAMES.tool('charge', 'call-1'),
      STEP_NAMES.tool('charge', 'call-2'),
    ]);
  });

  it('R10: messages, tool calls and ids survive across invocations in object state', async () => {
    await call('history', 'history', 'write');
    const messages = await call<Array<Record<string, unknown>>>('history', 'history', 'read');
    expect(messages.map((message) => message.type)).toEqual(['human', 'ai', 'tool']);
    expect(messages[1]?.toolCalls).toEqual([{ city: 'Oslo' }]);
    expect(messages[2]?.toolCallId).toBe('c1');
    for (const message of messages) expect(message.id).toMatch(/^msg-/);
  });
});
