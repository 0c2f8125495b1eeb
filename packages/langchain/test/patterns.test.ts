/**
 * Patterns LangChain's own docs teach, each on a real restate-server in normal and always-replay mode (the
 * handler runs again from the top after every journaled step), with `ChatOpenAI` talking HTTP to the
 * scripted model server, which answers after a delay as real models do. Each test fails without the
 * adapter fix it names.
 */

import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { rethrowIfRepeating } from '@restate-agents/core';
import { type MockRequest, type MockScript, scriptedRuns } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import {
  type AgentMiddleware,
  createAgent,
  dynamicSystemPromptMiddleware,
  humanInTheLoopMiddleware,
  llmToolSelectorMiddleware,
  modelCallLimitMiddleware,
  modelFallbackMiddleware,
  modelRetryMiddleware,
  piiMiddleware,
  summarizationMiddleware,
  todoListMiddleware,
  toolCallLimitMiddleware,
  toolEmulatorMiddleware,
  toolRetryMiddleware,
} from 'langchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  durableChatModel,
  durableTool,
  REPEATING_FAILURES,
  restateMiddleware,
} from '../src/index.js';

const mock = useMockModel();

/** Executions of tool bodies outside Restate, by key. */
const executions = new Map<string, number>();
const count = (key: string) => {
  const next = (executions.get(key) ?? 0) + 1;
  executions.set(key, next);
  return next;
};

/** ChatOpenAI over HTTP to the scripted model; `model` picks its profile, the header the script. */
const chatOpenAI = (conversation: string, model = 'scripted-model') =>
  new ChatOpenAI({
    model,
    apiKey: 'scripted',
    configuration: {
      baseURL: mock.openaiBaseUrl,
      defaultHeaders: { 'x-mock-conversation': conversation },
    },
  });

const weather = tool(({ city }) => `sunny in ${city}`, {
  name: 'weather',
  description: 'Weather in a city',
  schema: z.object({ city: z.string() }),
});

const lastUserText = (request: MockRequest) =>
  request.messages.findLast((message) => message.role === 'user')?.text ?? '';

const toolTexts = (messages: BaseMessage[]) =>
  messages.filter((message) => ToolMessage.isInstance(message)).map((message) => message.text);

const patterns = restate.object({
  name: 'LangChainPatterns',
  handlers: {
    /** `model.batch([...])` over a durable model: ordered answers, each prompt's step once. */
    async batch(ctx: restate.ObjectContext) {
      const answers = await durableChatModel(ctx, chatOpenAI(ctx.key)).batch([
        'first',
        'second',
        'third',
      ]);
      return answers.map((answer) => answer.text);
    },

    /** The LangChain quickstart: createAgent with a tool and `responseFormat`. */
    async quickstart(ctx: restate.ObjectContext, model: string) {
      const agent = createAgent({
        model: chatOpenAI(ctx.key, model),
        tools: [weather],
        responseFormat: z.object({ city: z.string(), summary: z.string() }),
        middleware: [restateMiddleware(ctx)],
      });
      const result = await agent.invoke({ messages: [new HumanMessage('Weather in Oslo?')] });
      return result.structuredResponse;
    },

    /** Two tool calls in one answer with the same id (or none): both run, the agent finishes. */
    async toolCallIds(ctx: restate.ObjectContext) {
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        middleware: [restateMiddleware(ctx)],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage('two cities')] });
      return { tools: toolTexts(messages), text: messages.at(-1)?.text };
    },

    /** modelFallbackMiddleware after restateMiddleware, with a fallback that is or is not durable. */
    async fallback(ctx: restate.ObjectContext, durableFallback: boolean) {
      const fallbackModel = chatOpenAI(`${ctx.key}-fallback`);
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        middleware: [
          restateMiddleware(ctx),
          modelFallbackMiddleware(
            durableFallback ? durableChatModel(ctx, fallbackModel) : fallbackModel,
          ),
        ],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage('hello')] });
      return messages.at(-1)?.text;
    },

    /** modelFallbackMiddleware listed before restateMiddleware: it cannot act on a step that gave up. */
    async fallbackFirst(ctx: restate.ObjectContext) {
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        middleware: [
          modelFallbackMiddleware(durableChatModel(ctx, chatOpenAI(`${ctx.key}-fallback`))),
          restateMiddleware(ctx),
        ],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage('hello')] });
      return messages.at(-1)?.text;
    },

    /**
     * modelRetry and toolRetry after restateMiddleware: a TerminalError from a tool ends the run. With
     * `limit`, modelCallLimitMiddleware ends the run before the next model call (its beforeModel hook).
     */
    async retryTerminal(ctx: restate.ObjectContext, limit?: boolean) {
      const charge = tool(
        () => {
          count(`${ctx.key}:charge`);
          throw new restate.TerminalError('card declined');
        },
        { name: 'charge', description: 'Charge', schema: z.object({}) },
      );
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [charge],
        middleware: [
          restateMiddleware(ctx),
          modelRetryMiddleware({ initialDelayMs: 10 }),
          toolRetryMiddleware({ initialDelayMs: 10 }),
          ...(limit ? [modelCallLimitMiddleware({ runLimit: 1, exitBehavior: 'end' })] : []),
        ],
      });
      try {
        const { messages } = await agent.invoke({ messages: [new HumanMessage('charge')] });
        return { text: messages.at(-1)?.text };
      } catch (error) {
        return {
          terminal: error instanceof restate.TerminalError,
          message: (error as Error).message,
        };
      }
    },

    /** A durableTool that reads `config.toolCall` and fails once: toolRetryMiddleware runs it again. */
    async toolRetry(ctx: restate.ObjectContext) {
      const lookup = durableTool(
        ctx,
        tool(
          (_input, config) => {
            if (count(`${ctx.key}:lookup`) === 1) throw new Error('upstream busy');
            return `looked up for ${(config as { toolCall?: { id?: string } }).toolCall?.id}`;
          },
          { name: 'lookup', description: 'Look up', schema: z.object({}) },
        ),
        // One attempt: the step gives up at once, so the retry comes from the middleware.
        { maxRetryAttempts: 1 },
      );
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [lookup],
        middleware: [restateMiddleware(ctx), toolRetryMiddleware({ initialDelayMs: 10 })],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage('look it up')] });
      return toolTexts(messages);
    },

    /**
     * Wrapped twice, whichever came first: a durable model as the agent's model under restateMiddleware, a
     * durable tool wrapped again. A tool result with a `bigint` reaches the model as JSON text.
     */
    async doubleWrap(ctx: restate.ObjectContext) {
      const invoice = tool(() => ({ total: 12345678901234567890n, currency: 'EUR' }), {
        name: 'invoice',
        description: 'The invoice total',
        schema: z.object({}),
      });
      const agent = createAgent({
        model: durableChatModel(ctx, chatOpenAI(ctx.key)),
        tools: [durableTool(ctx, durableTool(ctx, invoice))],
        middleware: [restateMiddleware(ctx)],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage('the total?')] });
      return toolTexts(messages);
    },

    /** createAgent with one of LangChain's built-in middlewares listed after restateMiddleware. */
    async builtin(ctx: restate.ObjectContext, name: string) {
      const builtins: Record<string, () => AgentMiddleware> = {
        // Its model is journaled only when it is a durable one.
        summarization: () =>
          summarizationMiddleware({
            model: durableChatModel(ctx, chatOpenAI(`${ctx.key}-summary`)),
            trigger: { messages: 4 },
            keep: { messages: 2 },
          }),
        modelCallLimit: () => modelCallLimitMiddleware({ runLimit: 1, exitBehavior: 'end' }),
        toolCallLimit: () => toolCallLimitMiddleware({ runLimit: 1 }),
        dynamicSystemPrompt: () => dynamicSystemPromptMiddleware(() => 'Answer in one word.'),
        todoList: () => todoListMiddleware(),
        pii: () => piiMiddleware('email', { strategy: 'redact' }),
        hitl: () => humanInTheLoopMiddleware({ interruptOn: { weather: true } }),
        // No model of its own: it emulates with the agent's model, which restateMiddleware made durable.
        toolEmulator: () => toolEmulatorMiddleware({ tools: ['weather'] }),
        toolSelector: () =>
          llmToolSelectorMiddleware({
            model: durableChatModel(ctx, chatOpenAI(`${ctx.key}-selector`)),
            maxTools: 1,
          }),
      };
      const make = builtins[name];
      if (!make) throw new restate.TerminalError(`no built-in middleware ${name}`);
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        middleware: [restateMiddleware(ctx), make()],
      });
      const history =
        name === 'summarization'
          ? [
              new HumanMessage('Weather in Oslo?'),
              new AIMessage('Sunny.'),
              new HumanMessage('And Rome?'),
              new AIMessage('Warm.'),
            ]
          : [];
      let state: Awaited<ReturnType<typeof agent.invoke>>;
      try {
        state = await agent.invoke({
          messages: [...history, new HumanMessage('Weather in Oslo? Mail me at jo@example.com')],
        });
      } catch (error) {
        return { error: `${(error as Error).name}: ${(error as Error).message}` };
      }
      return {
        text: state.messages.at(-1)?.text,
        tools: toolTexts(state.messages),
        todos: (state as { todos?: unknown }).todos,
      };
    },

    /** `streamEvents` over an agent: the events of one model turn and one tool call, once each. */
    async streamEvents(ctx: restate.ObjectContext) {
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        middleware: [restateMiddleware(ctx)],
      });
      const events: string[] = [];
      for await (const event of agent.streamEvents(
        { messages: [new HumanMessage('Weather in Oslo?')] },
        { version: 'v2' },
      )) {
        if (event.event === 'on_chat_model_end' || event.event === 'on_tool_end') {
          events.push(`${event.event}:${event.name}`);
        }
      }
      return events;
    },

    /** createAgent with a string model: `initChatModel` builds the provider model lazily. */
    async stringModel(ctx: restate.ObjectContext) {
      const agent = createAgent({
        model: `openai:${ctx.key}`,
        tools: [weather],
        middleware: [restateMiddleware(ctx)],
      });
      try {
        const { messages } = await agent.invoke({ messages: [new HumanMessage('hello')] });
        return { text: messages.at(-1)?.text };
      } catch (error) {
        return { terminal: error instanceof restate.TerminalError, message: String(error) };
      }
    },

    /** An agent that loops past its recursion limit: a failure every retry would repeat. */
    async recursion(ctx: restate.ObjectContext) {
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        middleware: [restateMiddleware(ctx)],
      });
      try {
        const { messages } = await agent.invoke(
          { messages: [new HumanMessage('loop')] },
          // One turn is two graph steps: model, tools (restateMiddleware adds no graph node).
          { recursionLimit: 3 },
        );
        return messages.at(-1)?.text;
      } catch (error) {
        rethrowIfRepeating(error, REPEATING_FAILURES);
        throw error;
      }
    },

    /** `stream(…, { streamMode: 'messages' })`: chunks carry `tool_call_chunks`, replayed or not. */
    async streamMessages(ctx: restate.ObjectContext) {
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        middleware: [restateMiddleware(ctx)],
      });
      const args: string[] = [];
      for await (const [chunk] of await agent.stream(
        { messages: [new HumanMessage('Weather in Oslo?')] },
        { streamMode: 'messages' },
      )) {
        const first = (chunk as { tool_call_chunks?: Array<{ args?: string }> })
          .tool_call_chunks?.[0];
        if (first?.args) args.push(first.args);
      }
      return args;
    },
  },
});

beforeAll(() => {
  // Where initChatModel's ChatOpenAI goes (createAgent with a string model takes no client options).
  process.env.OPENAI_API_KEY = 'scripted';
  process.env.OPENAI_BASE_URL = mock.openaiBaseUrl;
});

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    const env = useRestate({ alwaysReplay, disableRetries: true });
    beforeAll(() => env.register({ services: [patterns] }));

    const runs = scriptedRuns({
      restate: env,
      model: mock,
      service: 'LangChainPatterns',
      label: alwaysReplay ? 'replay' : 'normal',
    });
    /** A run on a fresh key (its conversation `script`), awaited: its key, invocation id and output. */
    const run = async <T>(handler: string, input?: unknown, script?: MockScript) => {
      const { key, result } = runs.run<T>(handler, input, script);
      return { key, ...(await result) };
    };

    it('batch: answers in input order, each prompt sent once, though the first answers last', async () => {
      const delays: Record<string, number> = { first: 300, second: 150, third: 0 };
      const { key, output } = await run<string[]>('batch', undefined, (request) => ({
        text: `answer to ${lastUserText(request)}`,
        delayMs: delays[lastUserText(request)] ?? 0,
      }));
      expect(output).toEqual(['answer to first', 'answer to second', 'answer to third']);
      expect(mock.requestsFor(key).map(lastUserText)).toEqual(['first', 'second', 'third']);
    });

    const quickstartScript = (request: MockRequest) => {
      if (request.turnIndex === 0) {
        return { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }], delayMs: 50 };
      }
      const extract = request.tools.find((name) => name.startsWith('extract-'));
      if (extract) {
        return {
          toolCalls: [{ name: extract, arguments: { city: 'Oslo', summary: 'sunny' } }],
          delayMs: 50,
        };
      }
      return { text: JSON.stringify({ city: 'Oslo', summary: 'sunny' }), delayMs: 50 };
    };

    it('quickstart (responseFormat, tool strategy): the structured answer, each model turn once', async () => {
      const { key, output } = await run('quickstart', 'scripted-model', quickstartScript);
      expect(output).toEqual({ city: 'Oslo', summary: 'sunny' });
      expect(mock.requestsFor(key)).toHaveLength(2);
    });

    it('quickstart with a model whose profile has structured output: native JSON schema', async () => {
      const { key, output } = await run('quickstart', 'gpt-4o', quickstartScript);
      expect(output).toEqual({ city: 'Oslo', summary: 'sunny' });
      const requests = mock.requestsFor(key);
      expect(requests).toHaveLength(2);
      // Native: no extract tool offered, the schema goes as response_format.
      expect(requests[1]?.tools.some((name) => name.startsWith('extract-'))).toBe(false);
      const body = requests[1]?.body as { response_format?: { type?: string } } | undefined;
      expect(body?.response_format?.type).toBe('json_schema');
    });

    it('tool calls with a repeated or missing id: every call runs and the agent finishes', async () => {
      const { key, output } = await run<{ tools: string[]; text: string }>(
        'toolCallIds',
        undefined,
        [
          {
            toolCalls: [
              { name: 'weather', arguments: { city: 'Oslo' }, id: 'dup' },
              { name: 'weather', arguments: { city: 'Rome' }, id: 'dup' },
              { name: 'weather', arguments: { city: 'Bergen' }, id: '' },
            ],
            delayMs: 30,
          },
          { text: 'done' },
        ],
      );
      expect(output).toEqual({
        tools: ['sunny in Oslo', 'sunny in Rome', 'sunny in Bergen'],
        text: 'done',
      });
      expect(mock.requestsFor(key)).toHaveLength(2);
    });

    it('a malformed and a valid tool call in one answer: the valid call runs, the model hears about both', async () => {
      const { key, output } = await run<{ tools: string[]; text: string }>(
        'toolCallIds',
        undefined,
        [
          {
            toolCalls: [
              { name: 'weather', arguments: { city: 'Oslo' }, id: 'good' },
              { name: 'weather', arguments: '{"city": "Ro', id: 'broken' },
            ],
            delayMs: 30,
          },
          { text: 'done' },
        ],
      );
      expect(output.text).toBe('done');
      expect(output.tools).toHaveLength(2);
      expect(output.tools[0]).toBe('sunny in Oslo');
      expect(output.tools[1]).toMatch(/arguments of tool "weather" could not be parsed/);
      const requests = mock.requestsFor(key);
      expect(requests).toHaveLength(2);
      const toolMessages = requests[1]?.messages.filter((message) => message.role === 'tool');
      expect(toolMessages).toHaveLength(2);
    });

    it('modelFallbackMiddleware after restateMiddleware: a durable fallback answers once', async () => {
      // A 400: the primary's step gives up at once (disableRetries leaves no room for step retries).
      const failing = { status: 400 } as const;
      const key = `fallback-${alwaysReplay ? 'replay' : 'normal'}-durable`;
      mock.conversation(`${key}-fallback`, [{ text: 'from the fallback', delayMs: 30 }]);
      mock.conversation(key, [
        {
          text: 'never',
          faults: [{ kind: 'status', ...failing }],
        },
      ]);
      const { invocationId } = await env.send(
        { service: 'LangChainPatterns', handler: 'fallback', key },
        true,
      );
      expect(await env.attach(invocationId)).toBe('from the fallback');
      expect(mock.requestsFor(key)).toHaveLength(1);
      expect(mock.requestsFor(`${key}-fallback`)).toHaveLength(1);
    });

    it('modelFallbackMiddleware after restateMiddleware: a fallback that is not durable is refused', async () => {
      const key = `fallback-${alwaysReplay ? 'replay' : 'normal'}-plain`;
      mock.conversation(`${key}-fallback`, [{ text: 'from the fallback', delayMs: 30 }]);
      mock.conversation(key, [
        {
          text: 'never',
          faults: [{ kind: 'status', status: 400 }],
        },
      ]);
      const { invocationId } = await env.send(
        { service: 'LangChainPatterns', handler: 'fallback', key },
        false,
      );
      await expect(env.attach(invocationId)).rejects.toThrow(
        /did not come from a journaled step.*durableChatModel/s,
      );
    });

    it('modelFallbackMiddleware listed before restateMiddleware: the failure ends the run, saying where to list it', async () => {
      const key = `fallback-first-${alwaysReplay ? 'replay' : 'normal'}`;
      mock.conversation(`${key}-fallback`, [{ text: 'from the fallback' }]);
      mock.conversation(key, [{ text: 'never', faults: [{ kind: 'status', status: 400 }] }]);
      const { invocationId } = await env.send(
        { service: 'LangChainPatterns', handler: 'fallbackFirst', key },
        undefined,
      );
      await expect(env.attach(invocationId)).rejects.toThrow(
        /will not be retried.*listed after restateMiddleware/s,
      );
      expect(mock.requestsFor(`${key}-fallback`)).toHaveLength(0);
    });

    it('toolRetryMiddleware/modelRetryMiddleware after restateMiddleware: a TerminalError still ends the run', async () => {
      const { key, output } = await run<{ terminal?: boolean; message?: string }>(
        'retryTerminal',
        undefined,
        [{ toolCalls: [{ name: 'charge', arguments: {} }], delayMs: 30 }, { text: 'charged' }],
      );
      expect(output).toEqual({ terminal: true, message: 'card declined' });
      expect(mock.requestsFor(key)).toHaveLength(1);
    });

    it('toolRetryMiddleware and modelCallLimitMiddleware (ending before the next model call): a TerminalError from a tool still ends the run', async () => {
      const { key, output } = await run<{ terminal?: boolean; message?: string }>(
        'retryTerminal',
        true,
        [{ toolCalls: [{ name: 'charge', arguments: {} }], delayMs: 30 }, { text: 'charged' }],
      );
      expect(output).toEqual({ terminal: true, message: 'card declined' });
      expect(mock.requestsFor(key)).toHaveLength(1);
    });

    it('durableTool: the tool sees config.toolCall, and toolRetryMiddleware runs a failed call again', async () => {
      const { key, invocationId, output } = await run<string[]>('toolRetry', undefined, [
        { toolCalls: [{ name: 'lookup', arguments: {}, id: 'call-look' }], delayMs: 30 },
        { text: 'found it' },
      ]);
      expect(output).toEqual(['looked up for call-look']);
      expect(executions.get(`${key}:lookup`)).toBe(2);
      const steps = (await env.journal(invocationId)).filter(
        (entry) => entry.name === 'langchain:tool:lookup:call-look',
      );
      expect(steps).toHaveLength(2);
    });

    it('wrapped twice (a durable model under restateMiddleware, durableTool of a durableTool): one step each; a bigint result reaches the model', async () => {
      const { key, invocationId, output } = await run<string[]>('doubleWrap', undefined, [
        { toolCalls: [{ name: 'invoice', arguments: {}, id: 'call-inv' }], delayMs: 30 },
        { text: 'it is large', delayMs: 30 },
      ]);
      expect(output).toEqual(['{"total":"12345678901234567890","currency":"EUR"}']);
      const steps = (await env.journal(invocationId))
        .filter((entry) => entry.type === 'Run' && entry.name !== undefined)
        .map((entry) => entry.name);
      expect(steps).toEqual([
        'langchain:model:1',
        'langchain:tool:invoice:call-inv',
        'langchain:model:2',
      ]);
      expect(mock.requestsFor(key)[1]?.lastToolResult).toContain('12345678901234567890');
    });

    const weatherThenText = [
      { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }], delayMs: 30 },
      { text: 'sunny', delayMs: 30 },
    ];

    it('summarizationMiddleware with a durableChatModel: the summary is one journaled step', async () => {
      const key = `builtin-summary-${alwaysReplay ? 'replay' : 'normal'}`;
      // Functions: the history holds earlier answers, so these requests are not at turn 0.
      mock.conversation(`${key}-summary`, () => ({
        text: 'They asked about the weather.',
        delayMs: 30,
      }));
      mock.conversation(key, () => ({ text: 'sunny', delayMs: 30 }));
      const { invocationId } = await env.send(
        { service: 'LangChainPatterns', handler: 'builtin', key },
        'summarization',
      );
      const output = await env.attach<{ text: string }>(invocationId);
      expect(output.text).toBe('sunny');
      expect(mock.requestsFor(`${key}-summary`)).toHaveLength(1);
      expect(mock.requestsFor(key)).toHaveLength(1);
      expect(mock.requestsFor(key)[0]?.messages.some((m) => m.text?.includes('weather'))).toBe(
        true,
      );
    });

    it('modelCallLimitMiddleware: the run ends at the limit, the model asked once', async () => {
      const { key, output } = await run<{ text: string; tools: string[] }>(
        'builtin',
        'modelCallLimit',
        weatherThenText,
      );
      expect(output.tools).toEqual(['sunny in Oslo']);
      expect(output.text).toMatch(/limit/i);
      expect(mock.requestsFor(key)).toHaveLength(1);
    });

    it('toolCallLimitMiddleware: the call over the limit is answered with an error, the run goes on', async () => {
      const { key, output } = await run<{ text: string; tools: string[] }>(
        'builtin',
        'toolCallLimit',
        [
          {
            toolCalls: [
              { name: 'weather', arguments: { city: 'Oslo' } },
              { name: 'weather', arguments: { city: 'Rome' } },
            ],
            delayMs: 30,
          },
          { text: 'one of them', delayMs: 30 },
        ],
      );
      expect(output.tools).toHaveLength(2);
      expect(output.tools).toContain('sunny in Oslo');
      expect(output.tools.find((text) => text !== 'sunny in Oslo')).toMatch(/limit/i);
      expect(mock.requestsFor(key).length).toBeLessThanOrEqual(2);
    });

    it('dynamicSystemPromptMiddleware: the prompt reaches every model call', async () => {
      const { key, output } = await run<{ text: string }>(
        'builtin',
        'dynamicSystemPrompt',
        weatherThenText,
      );
      expect(output.text).toBe('sunny');
      const requests = mock.requestsFor(key);
      expect(requests).toHaveLength(2);
      for (const request of requests) {
        expect(request.messages[0]).toMatchObject({ role: 'system', text: 'Answer in one word.' });
      }
    });

    it('todoListMiddleware: write_todos (a Command) updates the state', async () => {
      const { key, output } = await run<{ text: string; todos: unknown }>('builtin', 'todoList', [
        {
          toolCalls: [
            {
              name: 'write_todos',
              arguments: { todos: [{ content: 'check', status: 'pending' }] },
            },
          ],
          delayMs: 30,
        },
        { text: 'planned', delayMs: 30 },
      ]);
      expect(output.text).toBe('planned');
      expect(output.todos).toEqual([{ content: 'check', status: 'pending' }]);
      expect(mock.requestsFor(key)).toHaveLength(2);
    });

    it('humanInTheLoopMiddleware without a checkpointer: LangChain refuses', async () => {
      const { output } = await run<{ error?: string }>('builtin', 'hitl', weatherThenText);
      expect(output.error).toMatch(/GraphValueError: No checkpointer set/);
    });

    it('llmToolSelectorMiddleware with a durableChatModel: each selection is one journaled step', async () => {
      const key = `builtin-selector-${alwaysReplay ? 'replay' : 'normal'}`;
      mock.conversation(`${key}-selector`, (request) => ({
        toolCalls: [{ name: request.tools[0] ?? 'none', arguments: { tools: ['weather'] } }],
        delayMs: 30,
      }));
      mock.conversation(key, weatherThenText);
      const { invocationId } = await env.send(
        { service: 'LangChainPatterns', handler: 'builtin', key },
        'toolSelector',
      );
      const output = await env.attach<{ text: string; error?: string }>(invocationId);
      // One selection per model turn, each journaled: none repeated on replay.
      expect(mock.requestsFor(`${key}-selector`)).toHaveLength(2);
      expect(output.text).toBe('sunny');
      expect(mock.requestsFor(key)).toHaveLength(2);
    });

    it("toolEmulatorMiddleware: the emulation runs on the agent's durable model, journaled", async () => {
      const { key, output } = await run<{ text: string; tools: string[] }>(
        'builtin',
        'toolEmulator',
        (request) => {
          if (lastUserText(request).startsWith('You are emulating')) {
            return { text: 'emulated: sunny', delayMs: 20 };
          }
          return request.turnIndex === 0
            ? { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }], delayMs: 20 }
            : { text: 'sunny', delayMs: 20 };
        },
      );
      expect(output).toMatchObject({ text: 'sunny', tools: ['emulated: sunny'] });
      expect(mock.requestsFor(key)).toHaveLength(3);
    });

    it('piiMiddleware: the model never sees the email address', async () => {
      const { key, output } = await run<{ text: string }>('builtin', 'pii', [{ text: 'noted' }]);
      expect(output.text).toBe('noted');
      const sent = JSON.stringify(mock.requestsFor(key)[0]?.messages);
      expect(sent).not.toContain('jo@example.com');
    });

    it('streamEvents: one model end per turn and one tool end, the model asked once per turn', async () => {
      const { key, output } = await run<string[]>('streamEvents', undefined, weatherThenText);
      expect(output.filter((event) => event.startsWith('on_tool_end'))).toEqual([
        'on_tool_end:weather',
      ]);
      expect(output.filter((event) => event.startsWith('on_chat_model_end'))).toHaveLength(2);
      expect(mock.requestsFor(key)).toHaveLength(2);
    });

    it("stream(…, { streamMode: 'messages' }): chunks carry tool_call_chunks", async () => {
      const { output } = await run<string[]>('streamMessages', undefined, [
        { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }], delayMs: 30 },
        { text: 'sunny' },
      ]);
      expect(output.map((args) => JSON.parse(args))).toEqual([{ city: 'Oslo' }]);
    });
  });
}

for (const alwaysReplay of [false, true]) {
  describe(`${alwaysReplay ? 'always-replay' : 'normal'} mode, with Restate's retries`, () => {
    const env = useRestate({ alwaysReplay });
    beforeAll(() => env.register({ services: [patterns] }));

    it('createAgent with a string model: the provider model does not retry, the step alone does (3 requests)', async () => {
      const key = `string-model-${alwaysReplay ? 'replay' : 'normal'}`;
      const fault = { kind: 'status', status: 500 } as const;
      mock.conversation(key, [{ text: 'too late', faults: [fault, fault, fault] }]);
      const { invocationId } = await env.send(
        { service: 'LangChainPatterns', handler: 'stringModel', key },
        undefined,
      );
      const output = await env.attach<{ terminal?: boolean; message?: string }>(invocationId);
      expect(output.terminal).toBe(true);
      expect(output.message).toMatch(/gave up after 3 attempts/);
      // LangChain's default (maxRetries 6) would have sent 4 requests in the first attempt and succeeded.
      expect(mock.requestsFor(key)).toHaveLength(3);
    });

    it('recursion limit with REPEATING_FAILURES: the invocation ends at once, the model not asked again', async () => {
      const key = `recursion-${alwaysReplay ? 'replay' : 'normal'}`;
      mock.conversation(key, () => ({
        toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }],
        delayMs: 10,
      }));
      const { invocationId } = await env.send(
        { service: 'LangChainPatterns', handler: 'recursion', key },
        undefined,
      );
      await expect(env.attach(invocationId)).rejects.toThrow(
        /GraphRecursionError.*would repeat identically/s,
      );
      // recursionLimit 3 fits model, tools, model (the middleware adds no graph node): two requests, and
      // none again when the invocation ends.
      expect(mock.requestsFor(key)).toHaveLength(2);
    });
  });
}
