/**
 * Patterns Mastra's own docs teach, each on a real restate-server in normal and always-replay mode (the
 * handler runs again from the top after every journaled step), with `@ai-sdk/openai` talking HTTP to the
 * scripted model. Each test fails without the adapter behaviour it names.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { RegexFilterProcessor } from '@mastra/core/processors';
import { createTool } from '@mastra/core/tools';
import { Memory } from '@mastra/memory';
import { durableStep } from '@restate-agents/core';
import { scriptedRuns } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  durableAgent,
  durableTools,
  RestateMemoryStorage,
  restateContext,
  restateModel,
} from '../src/index.js';

const mock = useMockModel();
const openai = () => createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'scripted' });

/** Executions of tool bodies and hooks outside Restate, by key. */
const executions = new Map<string, number>();
const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);

// Declared once, at module level, as Mastra's docs do: the model and tools find `ctx` in the request context.
const lookup = createTool({
  id: 'lookup',
  description: 'Looks an order up.',
  inputSchema: z.object({ orderId: z.string() }),
  execute: async ({ orderId }, context) => {
    count(`${context.requestContext?.get('key')}:lookup`);
    return `order ${orderId} shipped`;
  },
});
const makeAgent = (key: string, fields: Record<string, unknown> = {}) =>
  new Agent({
    id: 'patterns',
    name: 'patterns',
    instructions: 'You help with orders.',
    model: restateModel(openai().chat(key)),
    tools: durableTools({ lookup }),
    ...fields,
  } as never);

const service = restate.object({
  name: 'MastraPatterns',
  handlers: {
    /** A tool loop with a durable tool; returns the text. */
    async loop(ctx: restate.ObjectContext, input: { stream: boolean }) {
      const agent = durableAgent(ctx, makeAgent(ctx.key));
      const requestContext = new (await import('@mastra/core/request-context')).RequestContext();
      requestContext.set('key', ctx.key);
      if (input.stream) {
        const output = await agent.stream('Where is order 7?', { requestContext });
        let chunks = 0;
        for await (const _ of output.textStream) chunks++;
        return { text: await output.text, chunks };
      }
      const result = await agent.generate('Where is order 7?', { requestContext });
      return { text: result.text };
    },
    /** Structured output with a zod schema (Mastra's `structuredOutput`). */
    async structured(ctx: restate.ObjectContext) {
      const agent = durableAgent(ctx, makeAgent(ctx.key, { tools: {} }));
      const result = await agent.generate('Which city?', {
        structuredOutput: { schema: z.object({ city: z.string() }) },
      });
      return result.object;
    },
    /** No `maxSteps` and no `stopWhen`: Mastra's default cap of 5 steps still holds. */
    async uncapped(ctx: restate.ObjectContext) {
      const result = await durableAgent(ctx, makeAgent(ctx.key)).generate('Look up forever');
      return { steps: result.steps.length };
    },
    /** Mastra memory on the object's state: a thread per key, the messages of earlier turns recalled. */
    async remember(ctx: restate.ObjectContext, message: string) {
      const agent = makeAgent(ctx.key, {
        memory: new Memory({
          storage: new RestateMemoryStorage(ctx),
          options: { lastMessages: 20 },
        }),
      });
      const result = await durableAgent(ctx, agent).generate(message, {
        memory: { thread: ctx.key, resource: 'user' },
      });
      return { text: result.text };
    },
    /** Mastra memory configured to generate thread titles (a model call nobody awaits): turned off. */
    async titled(ctx: restate.ObjectContext) {
      const agent = makeAgent(ctx.key, {
        tools: {},
        memory: new Memory({
          storage: new RestateMemoryStorage(ctx),
          options: { lastMessages: 5, generateTitle: true },
        }),
      });
      const result = await durableAgent(ctx, agent).generate('Hello there', {
        memory: { thread: ctx.key, resource: 'user' },
      });
      // Give a title call Mastra started without awaiting it the time to reach the model.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { text: result.text };
    },
    /** A plain tool whose own `durableStep` gives up: the model is told, the run goes on (core's asToolGaveUp). */
    async plainGivesUp(ctx: restate.ObjectContext) {
      const flaky = createTool({
        id: 'flaky',
        description: 'Calls a backend that is down.',
        inputSchema: z.object({}),
        execute: async (_input, context) =>
          durableStep(
            restateContext(context),
            'flaky:call',
            () => {
              count(`${ctx.key}:flaky`);
              throw new Error('backend down');
            },
            { maxRetryAttempts: 2, initialRetryInterval: 10 },
          ),
      });
      const result = await durableAgent(ctx, makeAgent(ctx.key, { tools: { flaky } })).generate(
        'Try it',
      );
      return { text: result.steps.at(-1)?.text ?? '' };
    },
    /**
     * Guardrail processors that only transform (Mastra's `RegexFilterProcessor` redacting card numbers on the
     * way in and out): handler code, run again on every replay over the same journaled answers.
     */
    async redacted(ctx: restate.ObjectContext) {
      const cards = new RegexFilterProcessor({
        rules: [{ name: 'card', pattern: /\b\d{4}-\d{4}\b/g, replacement: '[card]' }],
        strategy: 'redact',
        phase: 'all',
      });
      const agent = makeAgent(ctx.key, { inputProcessors: [cards], outputProcessors: [cards] });
      const result = await durableAgent(ctx, agent).generate(
        'My card is 1234-5678. Where is order 7?',
      );
      return { text: result.text };
    },
    /** The agent's own `beforeToolCall` hook still runs next to the adapter's. */
    async agentHooks(ctx: restate.ObjectContext) {
      const agent = makeAgent(ctx.key, {
        hooks: { beforeToolCall: () => count(`${ctx.key}:hook`) },
      });
      const result = await durableAgent(ctx, agent).generate('Where is order 7?');
      return { text: result.text };
    },
  },
});

const toolTurn = (orderId: string) => ({
  toolCalls: [{ name: 'lookup', arguments: { orderId } }],
});

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    const env = useRestate({ alwaysReplay, maxAttempts: 10 });
    beforeAll(() => env.register({ services: [service] }));

    const { run } = scriptedRuns({
      restate: env,
      model: mock,
      service: 'MastraPatterns',
      label: alwaysReplay ? 'replay' : 'normal',
    });
    const stepNames = async (invocationId: string) =>
      (await env.journal(invocationId))
        .filter((entry) => entry.type === 'Run' && entry.name)
        .map((entry) => entry.name ?? '');

    for (const stream of [false, true]) {
      it(`${stream ? 'stream' : 'generate'}: a module-level agent's steps are named mastra:model:<n> and mastra:tool:<name>:<callId>, each run once`, async () => {
        const { key, result } = run<{ text: string; chunks?: number }>('loop', { stream }, [
          toolTurn('7'),
          { text: 'Order 7 shipped.' },
        ]);
        const { invocationId, output } = await result;
        expect(output.text).toBe('Order 7 shipped.');
        if (stream) expect(output.chunks).toBeGreaterThan(0);
        expect(mock.requestsFor(key)).toHaveLength(2);
        expect(executions.get(`${key}:lookup`)).toBe(1);
        const names = await stepNames(invocationId);
        expect(names).toEqual([
          'mastra:model:1',
          expect.stringMatching(/^mastra:tool:lookup:.+/),
          'mastra:model:2',
        ]);
      });
    }

    it('structured output: the journaled answer is parsed into the schema', async () => {
      const { result } = run<{ city: string }>('structured', null, [{ text: '{"city":"Paris"}' }]);
      expect((await result).output).toEqual({ city: 'Paris' });
    });

    it("Mastra's default 5-step cap holds although the adapter passes its own stop condition", async () => {
      const { key, result } = run<{ steps: number }>(
        'uncapped',
        null,
        Array.from({ length: 8 }, (_, i) => toolTurn(String(i))),
      );
      expect((await result).output.steps).toBe(5);
      expect(mock.requestsFor(key)).toHaveLength(5);
    });

    it('Mastra memory (RestateMemoryStorage): the second turn recalls the first; every write is a journaled step', async () => {
      const key = `remember-${alwaysReplay ? 'replay' : 'normal'}`;
      mock.conversation(key, [{ text: 'Hello Ada.' }, { text: 'Your name is Ada.' }]);
      const first = await env.send(
        { service: 'MastraPatterns', handler: 'remember', key },
        'I am Ada.',
      );
      expect(await env.attach(first.invocationId)).toEqual({ text: 'Hello Ada.' });
      const second = await env.send(
        { service: 'MastraPatterns', handler: 'remember', key },
        'Who am I?',
      );
      expect(await env.attach(second.invocationId)).toEqual({ text: 'Your name is Ada.' });
      const prompt = JSON.stringify(mock.requestsFor(key).at(-1)?.body);
      expect(prompt).toContain('I am Ada.');
      expect(prompt).toContain('Hello Ada.');
      expect(await stepNames(first.invocationId)).toContain('mastra:memory:saveMessages');
    });

    it("Mastra memory's generateTitle is turned off: no title call reaches the model, nothing outside the journal", async () => {
      const { key, result } = run<{ text: string }>('titled', null, [
        { text: 'Hi.' },
        { text: 'A title nobody awaited' },
      ]);
      const { invocationId, output } = await result;
      expect(output.text).toBe('Hi.');
      expect(mock.requestsFor(key)).toHaveLength(1);
      expect((await stepNames(invocationId)).filter((name) => name.includes(':model:'))).toEqual([
        'mastra:model:1',
      ]);
    });

    it("a step that gives up inside a plain tool reaches the model as the tool's error; the run goes on", async () => {
      const { key, result } = run<{ text: string }>('plainGivesUp', null, [
        { toolCalls: [{ name: 'flaky', arguments: {} }] },
        { text: 'The backend is down.' },
      ]);
      expect((await result).output.text).toBe('The backend is down.');
      expect(executions.get(`${key}:flaky`)).toBe(2);
      expect(mock.requestsFor(key)[1]?.lastToolResult).toContain('backend down');
    });

    it('processors that only transform (RegexFilterProcessor in and out) give the same run on every replay', async () => {
      const { key, result } = run<{ text: string }>('redacted', null, [
        toolTurn('7'),
        { text: 'Order 7 shipped; card 4321-8765 is on file.' },
      ]);
      const { invocationId, output } = await result;
      expect(output.text).toContain('Order 7 shipped; card [card] is on file.');
      expect(output.text).not.toContain('4321-8765');
      const requests = mock.requestsFor(key).map((request) => JSON.stringify(request.body));
      expect(requests).toHaveLength(2);
      for (const request of requests) {
        expect(request).toContain('My card is [card].');
        expect(request).not.toContain('1234-5678');
      }
      expect(await stepNames(invocationId)).toEqual([
        'mastra:model:1',
        expect.stringMatching(/^mastra:tool:lookup:.+/),
        'mastra:model:2',
      ]);
    });

    it("the agent's own tool hooks run next to the adapter's (run-level hooks replace them in Mastra)", async () => {
      const { key, result } = run<{ text: string }>('agentHooks', null, [
        toolTurn('7'),
        { text: 'Order 7 shipped.' },
      ]);
      expect((await result).output.text).toBe('Order 7 shipped.');
      expect(executions.get(`${key}:hook`)).toBeGreaterThanOrEqual(1);
    });
  });
}
