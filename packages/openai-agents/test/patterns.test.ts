/**
 * Patterns the OpenAI Agents SDK's own docs teach, written the way those docs write them, on a real
 * restate-server in normal and always-replay mode (every await suspends and the handler replays from the
 * top, so a step that is not journaled, or journaled in another order, shows), with the SDK's real
 * `OpenAIProvider` over HTTP to the scripted model server, whose answers take time.
 */
import {
  Agent,
  defineToolInputGuardrail,
  defineToolOutputGuardrail,
  handoff,
  hostedMcpTool,
  type InputGuardrail,
  type MCPServer,
  type OutputGuardrail,
  type RunContext,
  RunState,
  setTraceProcessors,
  setTracingDisabled,
  ToolGuardrailFunctionOutputFactory,
  type TracingProcessor,
} from '@openai/agents-core';
import { OpenAIProvider, webSearchTool } from '@openai/agents-openai';
import { InvocationFailedError } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DurableRunner,
  durableAgentTool,
  durableModel,
  durableTool,
  liveTraceProcessor,
  RestateSession,
  restateContext,
  STEP_NAMES,
  tool,
} from '../src/index.js';

const mock = useMockModel();
let responses: OpenAIProvider;
let chat: OpenAIProvider;

beforeAll(() => {
  // The SDK turns tracing off under NODE_ENV=test; on, with no exporter, so trace ids are generated.
  setTracingDisabled(false);
  // Every span end, and those the live-only wrapper lets through, by trace id.
  setTraceProcessors([recorder('ended'), liveTraceProcessor(recorder('live-ended'))]);
  responses = new OpenAIProvider({ baseURL: mock.openaiBaseUrl, apiKey: 'scripted' });
  chat = new OpenAIProvider({
    baseURL: mock.openaiBaseUrl,
    apiKey: 'scripted',
    useResponses: false,
  });
});
afterAll(() => {
  // The test files share one worker (vitest.config.ts): the next file gets the SDK's tracing as it was.
  setTraceProcessors([]);
  setTracingDisabled(true);
});

/** Observations made outside Restate, per key: what ran, how often, in which order. */
const seen = new Map<string, string[]>();
const observe = (key: string, value: string) => seen.set(key, [...(seen.get(key) ?? []), value]);

/** A trace processor observing each span end as `<what>:<traceId>` → span id. */
function recorder(what: string): TracingProcessor {
  return {
    onTraceStart: async () => {},
    onTraceEnd: async () => {},
    onSpanStart: async () => {},
    onSpanEnd: async (span) => void observe(`${what}:${span.traceId}`, span.spanId),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Input {
  /** The scripted conversation (also the model name). */
  model: string;
  api?: 'chat' | 'responses';
}

const providerOf = (input: Input) => (input.api === 'chat' ? chat : responses);

/** A guardrail that takes time, then does durable work through its run context. */
const slowGuardrail = (name: string, ms: number) => ({
  name,
  execute: async ({ context }: { context: Parameters<typeof restateContext>[0] }) => {
    await pause(ms);
    const ctx = restateContext<restate.ObjectContext>(context);
    await ctx.run(`check:${name}`, () => observe(ctx.key, name));
    return { tripwireTriggered: false, outputInfo: { name } };
  },
});

/** A tool whose side effect is journaled by its own `ctx.run`. */
const recordTool = tool({
  name: 'record',
  description: 'Record an id',
  parameters: z.object({ id: z.string() }),
  execute: async ({ id }, runContext) => {
    const ctx = restateContext<restate.ObjectContext>(runContext);
    await ctx.run('record', () => observe(ctx.key, `record:${id}`));
    return `recorded ${id}`;
  },
});

const approvedTool = tool({
  name: 'refund',
  description: 'Refund an order; a human approves',
  parameters: z.object({ orderId: z.string() }),
  needsApproval: true,
  execute: async ({ orderId }, runContext) => {
    const ctx = restateContext<restate.ObjectContext>(runContext);
    await ctx.run('refund', () => observe(ctx.key, `refund:${orderId}`));
    return `refunded ${orderId}`;
  },
});

/** One session object for the whole module, as the SDK's docs build sessions. */
const sharedSession = new RestateSession();

/** A local MCP server (the user's code): counts what really ran. */
const mcpServer = (key: string): MCPServer => ({
  name: 'files',
  cacheToolsList: true,
  connect: async () => {},
  close: async () => {},
  invalidateToolsCache: async () => {},
  listTools: async () => {
    observe(key, 'mcp:list');
    return [
      {
        name: 'read_file',
        description: 'Read a file',
        inputSchema: {
          type: 'object',
          properties: { path: { type: 'string' } },
          required: ['path'],
          additionalProperties: false,
        },
      },
    ];
  },
  callTool: async (toolName, args) => {
    observe(key, `mcp:call:${toolName}:${String(args?.path)}`);
    await pause(30);
    return [{ type: 'text', text: `contents of ${String(args?.path)}` }];
  },
});

const probe = restate.object({
  name: 'OpenAIAgentsPatterns',
  handlers: {
    async guardrails(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({
        name: 'guarded',
        model: input.model,
        // The slower guardrail first: in completion order the second would be journaled first.
        inputGuardrails: [slowGuardrail('in-a', 60), slowGuardrail('in-b', 0)] as InputGuardrail[],
        outputGuardrails: [
          slowGuardrail('out-a', 60),
          slowGuardrail('out-b', 0),
        ] as unknown as OutputGuardrail[],
      });
      const result = await new DurableRunner(ctx, { modelProvider: providerOf(input) }).run(
        agent,
        'hello',
      );
      return { text: result.finalOutput };
    },
    async startApproval(ctx: restate.ObjectContext, input: Input) {
      const agent = await approvalAgent(input);
      const runner = new DurableRunner(ctx, { approval: 'interrupt' });
      const result = await runner.run(agent, 'refund order 7');
      ctx.set('state', result.state.toString());
      return { pending: result.interruptions.map((item) => item.name) };
    },
    async resumeApproval(ctx: restate.ObjectContext, input: Input & { approve: boolean }) {
      const agent = await approvalAgent(input);
      const text = (await ctx.get<string>('state')) ?? '';
      const state = await RunState.fromString(agent, text);
      for (const item of state.getInterruptions()) {
        if (input.approve) state.approve(item);
        else state.reject(item);
      }
      const result = await new DurableRunner(ctx, { approval: 'interrupt' }).run(agent, state);
      return { text: result.finalOutput };
    },
    async streamApproval(ctx: restate.ObjectContext, input: Input) {
      const agent = await approvalAgent(input);
      const runner = new DurableRunner(ctx, {
        approval: {
          onRequest: ({ id }) => {
            observe(`${ctx.key}:awakeable`, id);
          },
        },
      });
      const consume = async (result: { toTextStream(): AsyncIterable<unknown> }) => {
        for await (const _chunk of result.toTextStream()) {
          // Read as a user would.
        }
      };
      let result = await runner.run(agent, 'refund order 9', { stream: true });
      await consume(result);
      await result.completed;
      while (result.interruptions.length > 0) {
        await runner.resolveInterruptions(result);
        result = await runner.run(agent, result.state, { stream: true });
        await consume(result);
        await result.completed;
      }
      return { text: result.finalOutput };
    },
    /** Server-managed conversation state: each request continues the last journaled response by id. */
    async chained(ctx: restate.ObjectContext, input: Input & { prompt: string }) {
      const lookup = tool({
        name: 'lookup',
        description: 'Looks a thing up',
        parameters: z.object({ thing: z.string() }),
        execute: async ({ thing }, runContext) => {
          return restateContext(runContext).run('lookup', () => {
            observe(ctx.key, `lookup:${thing}`);
            return `found ${thing}`;
          });
        },
      });
      const agent = new Agent({ name: 'chained', model: input.model, tools: [lookup] });
      const previousResponseId = (await ctx.get<string>('last-response')) ?? undefined;
      const result = await new DurableRunner(ctx, { modelProvider: responses }).run(
        agent,
        input.prompt,
        previousResponseId === undefined ? {} : { previousResponseId },
      );
      ctx.set('last-response', result.lastResponseId ?? '');
      return result.finalOutput;
    },
    /** A hosted MCP tool whose calls need approval: the model asks, the runner waits on an awakeable. */
    async hostedMcp(ctx: restate.ObjectContext, input: Input) {
      const docs = hostedMcpTool({
        serverLabel: 'docs',
        serverUrl: 'https://mcp.example/docs',
        requireApproval: 'always',
      });
      const agent = new Agent({ name: 'researcher', model: input.model, tools: [docs] });
      const runner = new DurableRunner(ctx, {
        modelProvider: responses,
        approval: {
          onRequest: ({ id, details }) => {
            observe(`${ctx.key}:awakeable`, id);
            observe(`${ctx.key}:asked`, `${details.toolName} ${details.arguments ?? ''}`);
          },
        },
      });
      const result = await runner.run(agent, 'search the docs');
      await ctx.run('after-answer', () => 'ok');
      return result.finalOutput;
    },
    async conversation(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({ name: 'conversing', model: input.model });
      const result = await new DurableRunner(ctx, { modelProvider: responses }).run(agent, 'hi', {
        conversationId: 'conv_123',
      });
      return result.finalOutput;
    },
    async hosted(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({ name: 'searcher', model: input.model, tools: [webSearchTool()] });
      const runner = new DurableRunner(ctx, { modelProvider: responses });
      const result = await runner.run(agent, 'search restate');
      // Durable work after the answer: in always-replay mode the handler replays past the model step.
      await ctx.run('after-answer', () => 'ok');
      return { text: result.finalOutput, items: result.newItems.map((item) => item.type) };
    },
    async hooks(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({ name: 'hooked', model: input.model, tools: [recordTool] });
      for (const event of ['agent_start', 'agent_tool_start', 'agent_tool_end', 'agent_end']) {
        agent.on(event as 'agent_start', () => observe(`${ctx.key}:hooks`, event));
      }
      const runner = new DurableRunner(ctx, { modelProvider: providerOf(input) });
      // The SDK's runner-level hooks, on the Runner the DurableRunner drives.
      runner.runner.on('agent_start', () => observe(`${ctx.key}:runner-hooks`, 'agent_start'));
      runner.runner.on('agent_end', () => observe(`${ctx.key}:runner-hooks`, 'agent_end'));
      const result = await runner.run(agent, 'record');
      return { text: result.finalOutput };
    },
    async agentTool(ctx: restate.ObjectContext, input: Input & { variant: string }) {
      const inner = new Agent({ name: 'inner', model: `${input.model}-inner` });
      const options =
        input.variant === 'disabled'
          ? { toolName: 'ask_inner', isEnabled: false }
          : input.variant === 'approval'
            ? { toolName: 'ask_inner', needsApproval: true }
            : {
                toolName: 'ask_inner',
                toolDescription: 'Ask about a city',
                parameters: z.object({ city: z.string(), days: z.number() }),
                inputBuilder: ({ params }: { params: unknown }) => {
                  const { city, days } = params as { city: string; days: number };
                  return `Weather in ${city} for ${days} days`;
                },
                customOutputExtractor: (result: { finalOutput?: unknown }) =>
                  `inner said: ${String(result.finalOutput)}`,
                runOptions: { maxTurns: 3 },
              };
      const lead = new Agent({
        name: 'lead',
        model: `${input.model}-lead`,
        tools: [durableAgentTool(inner, options)],
      });
      const runner = new DurableRunner(ctx, {
        modelProvider: providerOf(input),
        ...(input.variant === 'approval' && { approval: 'interrupt' as const }),
      });
      const result = await runner.run(lead, 'go');
      return {
        text: result.finalOutput ?? null,
        pending: result.interruptions.map((item) => item.name),
      };
    },
    async tracing(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({ name: 'traced', model: input.model });
      const runner = new DurableRunner(ctx, {
        modelProvider: providerOf(input),
        tracingDisabled: false,
      });
      const first = await runner.run(agent, 'one');
      const second = await runner.run(agent, 'two');
      const ids = [first.state._trace?.traceId, second.state._trace?.traceId];
      observe(`${ctx.key}:traces`, JSON.stringify(ids));
      return { ids };
    },
    async whoami(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({
        name: 'whoami',
        model: input.model,
        tools: [
          tool({
            name: 'session_id',
            description: 'The session id',
            parameters: z.object({}),
            execute: async () => {
              await pause(50);
              return sharedSession.getSessionId();
            },
          }),
        ],
      });
      const result = await new DurableRunner(ctx, { modelProvider: providerOf(input) }).run(
        agent,
        `who am I (${ctx.key})`,
        { session: sharedSession },
      );
      return { text: result.finalOutput };
    },
    async garbage(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({ name: 'garbage', model: input.model });
      const result = await new DurableRunner(ctx, {
        modelProvider: providerOf(input),
        step: { maxRetryAttempts: 3, initialRetryInterval: { milliseconds: 10 } },
      }).run(agent, 'hello');
      return { text: result.finalOutput };
    },
    async contract(
      ctx: restate.ObjectContext,
      input: Input & { prompt?: unknown; wrapped?: boolean; handled?: boolean },
    ) {
      const model = await providerOf(input).getModel(input.model);
      const agent = new Agent({
        name: 'contract',
        // One durable model shared by agents (Restate's tour does this): DurableRunner must not wrap it again.
        model: input.wrapped ? durableModel(ctx, model) : model,
        tools: contractTools(ctx.key),
        inputGuardrails: [
          {
            name: 'no-forbidden',
            execute: async ({ input: text }) => ({
              tripwireTriggered: JSON.stringify(text).includes('forbidden'),
              outputInfo: {},
            }),
          },
        ],
      });
      const result = await new DurableRunner(ctx).run(agent, input.prompt as string, {
        maxTurns: 2,
        // The SDK's error handlers: a handled max-turns error is an answer, not a failure.
        ...(input.handled && {
          errorHandlers: { maxTurns: () => ({ finalOutput: 'stopped after max turns' }) },
        }),
      });
      return { text: result.finalOutput };
    },
    async handoffHooks(ctx: restate.ObjectContext, input: Input) {
      const specialist = new Agent({
        name: 'specialist',
        handoffDescription: 'Handles refunds',
        model: await providerOf(input).getModel(`${input.model}-specialist`),
      });
      const triage = new Agent({
        name: 'triage',
        model: `${input.model}-triage`,
        handoffs: [
          handoff(specialist, {
            // The SDK's handoff callback, doing durable work through its run context.
            onHandoff: async (runContext) => {
              const ctx = restateContext<restate.ObjectContext>(runContext);
              await ctx.run('on-handoff', () => observe(ctx.key, 'on-handoff'));
            },
            // Only the user's messages reach the specialist.
            inputFilter: (data) => ({ ...data, preHandoffItems: [], newItems: [] }),
          }),
        ],
      });
      const result = await new DurableRunner(ctx, { modelProvider: providerOf(input) }).run(
        triage,
        'refund please',
      );
      return { text: result.finalOutput, lastAgent: result.lastAgent?.name };
    },
    async structured(ctx: restate.ObjectContext, input: Input) {
      const lookup = tool({
        name: 'lookup',
        description: 'Look a city up',
        parameters: z.object({ city: z.string() }),
        // Tool guardrails (the SDK runs them one after the other) doing durable work of their own.
        inputGuardrails: [
          defineToolInputGuardrail({
            name: 'allowed-city',
            run: async ({ context, toolCall }) => {
              const ctx = restateContext<restate.ObjectContext>(context);
              await ctx.run('tool-input-check', () => observe(ctx.key, `in:${toolCall.arguments}`));
              return ToolGuardrailFunctionOutputFactory.allow();
            },
          }),
        ],
        outputGuardrails: [
          defineToolOutputGuardrail({
            name: 'no-secrets',
            run: async ({ context, output }) => {
              const ctx = restateContext<restate.ObjectContext>(context);
              await ctx.run('tool-output-check', () => observe(ctx.key, `out:${String(output)}`));
              return ToolGuardrailFunctionOutputFactory.allow();
            },
          }),
        ],
        execute: async ({ city }) => {
          await pause(20);
          return `${city}: 12 degrees`;
        },
      });
      const agent = new Agent({
        name: 'weather',
        model: input.model,
        // Dynamic instructions reading journaled data through the run context.
        instructions: async (runContext: RunContext<unknown>) => {
          const ctx = restateContext<restate.ObjectContext>(runContext);
          const user = await ctx.run('load-user', () => 'Ada');
          return `You help ${user}.`;
        },
        tools: [lookup],
        outputType: z.object({ city: z.string(), degrees: z.number() }),
      });
      const result = await new DurableRunner(ctx, { modelProvider: providerOf(input) }).run(
        agent,
        'weather in Oslo',
      );
      return { output: result.finalOutput };
    },
    async mcp(ctx: restate.ObjectContext, input: Input) {
      const agent = new Agent({
        name: 'mcp',
        model: input.model,
        mcpServers: [mcpServer(ctx.key)],
      });
      const result = await new DurableRunner(ctx, { modelProvider: providerOf(input) }).run(
        agent,
        'read a.txt and b.txt',
      );
      return { text: result.finalOutput };
    },
  },
});

/** Tools of the tool-call contract probes. */
const contractTools = (key: string) => [
  durableTool({
    name: 'flaky',
    description: 'Fails every time',
    parameters: z.object({}),
    step: { maxRetryAttempts: 2, initialRetryInterval: { milliseconds: 10 } },
    execute: (_input, _runContext, details) => {
      observe(key, `flaky:${details?.signal instanceof AbortSignal}`);
      throw new Error('backend down');
    },
  }),
  durableTool({
    name: 'flaky_fail',
    description: 'Fails every time; giving up ends the run',
    parameters: z.object({}),
    step: { maxRetryAttempts: 2, initialRetryInterval: { milliseconds: 10 }, onGiveUp: 'fail' },
    execute: () => {
      observe(key, 'flaky_fail');
      throw new Error('backend down for good');
    },
  }),
  durableTool({
    name: 'big',
    description: 'Returns a BigInt',
    parameters: z.object({}),
    execute: () => ({ count: 12345678901234567890n }) as unknown as string,
  }),
  tool({
    name: 'loop',
    description: 'Returns a circular value',
    parameters: z.object({}),
    execute: () => {
      const value: { self?: unknown } = {};
      value.self = value;
      return value as unknown as string;
    },
  }),
];

/** The approval agent with a `Model` object (not a name): it must be wrapped after `fromString` too. */
async function approvalAgent(input: Input) {
  return new Agent({
    name: 'approver',
    model: await providerOf(input).getModel(input.model),
    tools: [approvedTool],
  });
}

const modes = [
  { name: 'normal', alwaysReplay: false },
  { name: 'always-replay', alwaysReplay: true },
] as const;

for (const mode of modes) {
  describe(`OpenAI Agents patterns (${mode.name})`, () => {
    const env = useRestate({ alwaysReplay: mode.alwaysReplay });
    beforeAll(() => env.register({ services: [probe] }));

    const key = (name: string) => `${name}-${mode.name}`;
    const call = async <T>(handler: string, id: string, input: object = {}): Promise<T> => {
      const { invocationId } = await env.send(
        { service: 'OpenAIAgentsPatterns', handler, key: id },
        { model: id, ...input },
      );
      return env.attach<T>(invocationId);
    };
    const runNames = async (handler: string, id: string, input: object = {}) => {
      const { invocationId } = await env.send(
        { service: 'OpenAIAgentsPatterns', handler, key: id },
        { model: id, ...input },
      );
      const output = await env.attach(invocationId);
      // Call ids (from the script, or core's id source for MCP calls) shown as `<id>`.
      const names = (await env.journal(invocationId))
        .filter((entry) => entry.kind === 'command' && entry.type === 'Run')
        .map((entry) => entry.name?.replace(/^(openai-agents:tool:[^:]+):.+$/, '$1:<id>'));
      return { output, names };
    };

    it('two input and two output guardrails doing durable work run in declaration order', async () => {
      const id = key('guardrails');
      mock.conversation(id, [{ text: 'guarded answer', delayMs: 50 }]);
      const { output, names } = await runNames('guardrails', id);
      expect(output).toEqual({ text: 'guarded answer' });
      expect(names).toEqual([
        'check:in-a',
        'check:in-b',
        STEP_NAMES.model(1),
        'check:out-a',
        'check:out-b',
      ]);
      expect(seen.get(id)).toEqual(['in-a', 'in-b', 'out-a', 'out-b']);
    });

    it('a RunState stored with toString() resumes in a later invocation: tools keep ctx, model journaled', async () => {
      const id = key('runstate');
      mock.conversation(id, (request) =>
        request.lastToolResult === undefined
          ? { toolCalls: [{ name: 'refund', arguments: { orderId: '7' } }], delayMs: 40 }
          : { text: `done: ${request.lastToolResult}`, delayMs: 40 },
      );
      expect(await call('startApproval', id)).toEqual({ pending: ['refund'] });
      const resumed = await runNames('resumeApproval', id, { approve: true });
      expect(resumed.output).toEqual({ text: 'done: refunded 7' });
      // The restored agent's `Model` object is wrapped: its call is a journaled step.
      expect(resumed.names).toEqual(['refund', STEP_NAMES.model(1)]);
      expect(seen.get(id)).toEqual(['refund:7']);
      // One request per turn: replays read the model's answer from the journal.
      expect(mock.requestsFor(id)).toHaveLength(2);
    });

    it('agent.on(...) and runner.on(...) lifecycle hooks fire under DurableRunner', async () => {
      const id = key('hooks');
      mock.conversation(id, [
        { toolCalls: [{ name: 'record', arguments: { id: 'h' } }], delayMs: 30 },
        { text: 'hooked' },
      ]);
      expect(await call('hooks', id)).toEqual({ text: 'hooked' });
      const events = new Set(seen.get(`${id}:hooks`));
      expect([...events].sort()).toEqual([
        'agent_end',
        'agent_start',
        'agent_tool_end',
        'agent_tool_start',
      ]);
      expect(seen.get(id)).toEqual(['record:h']);
      expect(new Set(seen.get(`${id}:runner-hooks`))).toEqual(
        new Set(['agent_start', 'agent_end']),
      );
    });

    it('durableAgentTool honours parameters, inputBuilder, customOutputExtractor and runOptions', async () => {
      const id = key('agent-tool');
      mock.conversation(`${id}-lead`, (request) =>
        request.lastToolResult === undefined
          ? { toolCalls: [{ name: 'ask_inner', arguments: { city: 'Oslo', days: 2 } }] }
          : { text: `lead: ${request.lastToolResult}` },
      );
      mock.conversation(`${id}-inner`, (request) => ({
        text: `inner got "${request.messages.at(-1)?.text}"`,
        delayMs: 30,
      }));
      expect(await call('agentTool', id, { variant: 'structured' })).toEqual({
        text: 'lead: inner said: inner got "Weather in Oslo for 2 days"',
        pending: [],
      });
      expect(mock.requestsFor(`${id}-inner`)).toHaveLength(1);
    });

    it('durableAgentTool honours isEnabled: false (the model is not offered the tool)', async () => {
      const id = key('agent-tool-disabled');
      mock.conversation(`${id}-lead`, [{ text: 'no tools here' }]);
      expect(await call('agentTool', id, { variant: 'disabled' })).toEqual({
        text: 'no tools here',
        pending: [],
      });
      expect(mock.requestsFor(`${id}-lead`)[0]?.tools).toEqual([]);
    });

    it('durableAgentTool honours needsApproval', async () => {
      const id = key('agent-tool-approval');
      mock.conversation(`${id}-lead`, [
        { toolCalls: [{ name: 'ask_inner', arguments: { input: 'hi' } }] },
      ]);
      expect(await call('agentTool', id, { variant: 'approval' })).toEqual({
        text: null,
        pending: ['ask_inner'],
      });
      expect(mock.requestsFor(`${id}-inner`)).toHaveLength(0);
    });

    it('tracing ids are replay-stable and differ between two runs of one invocation', async () => {
      const id = key('tracing');
      mock.conversation(id, () => ({ text: 'traced' }));
      const { ids } = await call<{ ids: string[] }>('tracing', id);
      expect(ids[0]).toMatch(/^trace_[0-9a-f]{32}$/);
      expect(ids[1]).toMatch(/^trace_[0-9a-f]{32}$/);
      expect(ids[1]).not.toBe(ids[0]);
      // Every execution of the handler (one per replay) saw the same ids.
      expect(new Set(seen.get(`${id}:traces`)).size).toBe(1);
      // liveTraceProcessor: each span ends once for it; the raw processor hears replayed spans again.
      for (const traceId of ids) {
        const live = seen.get(`live-ended:${traceId}`) ?? [];
        expect(live.length).toBeGreaterThan(0);
        expect(new Set(live).size).toBe(live.length);
        const raw = seen.get(`ended:${traceId}`) ?? [];
        expect(new Set(raw)).toEqual(new Set(live));
        // The first run ended before the second run's model step: each replay ends its spans again.
        if (mode.alwaysReplay && traceId === ids[0])
          expect(raw.length).toBeGreaterThan(live.length);
      }
    });

    it('RestateSession.getSessionId names the invocation asking, under concurrent invocations', async () => {
      const ids = [key('who-a'), key('who-b')];
      for (const id of ids) {
        mock.conversation(id, (request) =>
          request.lastToolResult === undefined
            ? { toolCalls: [{ name: 'session_id', arguments: {} }], delayMs: 80 }
            : { text: `I am ${request.lastToolResult}` },
        );
      }
      const outputs = await Promise.all(ids.map((id) => call('whoami', id)));
      expect(outputs).toEqual(ids.map((id) => ({ text: `I am ${id}` })));
    });

    const garbage = [
      {
        name: 'an HTML body (Chat Completions)',
        api: 'chat',
        fault: {
          kind: 'status',
          status: 200,
          body: '<html><body>502 Bad Gateway</body></html>',
          headers: { 'content-type': 'text/html' },
        },
      },
      {
        name: 'an empty choices array (Chat Completions)',
        api: 'chat',
        fault: {
          kind: 'status',
          status: 200,
          body: {
            id: 'chatcmpl-x',
            object: 'chat.completion',
            created: 0,
            model: 'm',
            choices: [],
          },
        },
      },
      {
        name: 'an empty Responses output',
        api: 'responses',
        fault: {
          kind: 'status',
          status: 200,
          body: { id: 'resp_x', object: 'response', status: 'completed', output: [] },
        },
      },
    ] as const;

    // Keys of their own, mostly waiting on step retry back-offs: these run side by side.
    for (const { name, api, fault } of garbage) {
      it.concurrent(`${name} is retried inside the step, never journaled as an answer`, async () => {
        const id = key(`garbage-${api}-${name.length}`);
        mock.conversation(id, [{ text: 'real answer', faults: [fault] }]);
        const { output, names } = await runNames('garbage', id, { api });
        expect(output).toEqual({ text: 'real answer' });
        // One journaled model step (its second attempt), not an empty answer followed by another turn.
        expect(names).toEqual([STEP_NAMES.model(1)]);
        expect(mock.requestsFor(id).map((request) => request.turnIndex)).toEqual([0, 0]);
      });

      it.concurrent(`${name} on every attempt fails the invocation at the retry cap`, async () => {
        const id = key(`garbage-cap-${api}-${name.length}`);
        mock.conversation(id, [{ text: 'never', faults: [fault, fault, fault, fault] }]);
        const failure = await call('garbage', id, { api }).catch((error: unknown) => error);
        expect(InvocationFailedError.isInstance(failure)).toBe(true);
        expect((failure as Error).message).toMatch(/not usable/);
        expect(mock.requestsFor(id)).toHaveLength(3);
      });
    }

    it('a hosted tool (web search) runs inside the model call: its result is journaled with the answer', async () => {
      const id = key('hosted');
      // A Responses answer holding a web_search_call item, as OpenAI sends it (the scripted turns only
      // produce messages and function calls, so the first attempt gets this body).
      const answer = {
        id: 'resp_hosted',
        object: 'response',
        created_at: 0,
        status: 'completed',
        model: id,
        output: [
          {
            type: 'web_search_call',
            id: 'ws_1',
            status: 'completed',
            action: { type: 'search', query: 'restate' },
          },
          {
            type: 'message',
            id: 'msg_1',
            role: 'assistant',
            status: 'completed',
            content: [
              { type: 'output_text', text: 'Restate is durable execution.', annotations: [] },
            ],
          },
        ],
        usage: {
          input_tokens: 5,
          output_tokens: 5,
          total_tokens: 10,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 },
        },
      };
      mock.conversation(id, [
        { text: 'not this', faults: [{ kind: 'status', status: 200, body: answer }], delayMs: 30 },
      ]);
      const { output, names } = await runNames('hosted', id);
      expect(output).toEqual({
        text: 'Restate is durable execution.',
        items: ['tool_call_item', 'message_output_item'],
      });
      expect(names).toEqual([STEP_NAMES.model(1), 'after-answer']);
      expect(mock.requestsFor(id)).toHaveLength(1);
      // The hosted tool is offered to the model, never executed here.
      expect(mock.requestsFor(id)[0]?.tools).toEqual(['web_search']);
    });

    it('previousResponseId: each request continues the journaled response, sending only the new items', async () => {
      const id = key('chained');
      mock.conversation(id, (request) =>
        request.turnIndex === 0
          ? { text: 'hello', delayMs: 30 }
          : request.turnIndex === 1
            ? { toolCalls: [{ name: 'lookup', arguments: { thing: 'x' } }], delayMs: 30 }
            : { text: `done: ${request.lastToolResult ?? ''}`, delayMs: 30 },
      );
      expect(await call('chained', id, { prompt: 'hi' })).toBe('hello');
      expect(await call('chained', id, { prompt: 'look x up' })).toBe('done: found x');
      const requests = mock.requestsFor(id);
      // One request per turn: no model call repeated on replay.
      expect(requests.map((request) => request.turnIndex)).toEqual([0, 1, 2]);
      const bodies = requests.map((request) => request.body as Record<string, unknown>);
      expect(bodies[0]?.previous_response_id).toBeUndefined();
      expect(bodies[1]?.previous_response_id).toMatch(/^resp_.*_0$/);
      expect(bodies[2]?.previous_response_id).toMatch(/^resp_.*_1$/);
      // Only the delta is sent: the last request holds the tool result, not the first prompt.
      expect(JSON.stringify(bodies[2]?.input)).not.toContain('hi');
      expect(JSON.stringify(bodies[2]?.input)).toContain('function_call_output');
      expect(seen.get(id)).toEqual(['lookup:x']);
    });

    it('conversationId (the Conversations API) is refused, naming the option', async () => {
      const failure = await call('conversation', key('conversation')).catch(
        (error: unknown) => error,
      );
      expect((failure as Error).message).toMatch(
        /conversationId is not supported by DurableRunner/,
      );
      expect(mock.requestsFor(key('conversation'))).toHaveLength(0);
    });

    it('a hosted MCP tool with requireApproval: the request waits on an awakeable, the answer goes back', async () => {
      const id = key('hosted-mcp');
      const approvalRequest = {
        id: 'resp_mcp',
        object: 'response',
        created_at: 0,
        status: 'completed',
        model: id,
        output: [
          {
            type: 'mcp_approval_request',
            id: 'mcpr_1',
            server_label: 'docs',
            name: 'search_docs',
            arguments: '{"query":"restate"}',
          },
        ],
        usage: {
          input_tokens: 5,
          output_tokens: 5,
          total_tokens: 10,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 },
        },
      };
      mock.conversation(id, (request) => {
        const response = (request.body as { input?: unknown[] }).input?.find(
          (item) => (item as { type?: string }).type === 'mcp_approval_response',
        ) as { approve?: boolean; approval_request_id?: string } | undefined;
        return response
          ? { text: `approve=${response.approve} for ${response.approval_request_id}`, delayMs: 30 }
          : {
              text: 'not this',
              faults: [{ kind: 'status', status: 200, body: approvalRequest }],
              delayMs: 30,
            };
      });
      const { invocationId } = await env.send(
        { service: 'OpenAIAgentsPatterns', handler: 'hostedMcp', key: id },
        { model: id },
      );
      const deadline = Date.now() + 20_000;
      while (seen.get(`${id}:awakeable`) === undefined && Date.now() < deadline) await pause(50);
      const [awakeableId] = seen.get(`${id}:awakeable`) ?? [];
      await env.resolveAwakeable(String(awakeableId), true);
      expect(await env.attach(invocationId)).toBe('approve=true for mcpr_1');
      expect(seen.get(`${id}:asked`)).toEqual(['search_docs {"query":"restate"}']);
      expect(mock.requestsFor(id)).toHaveLength(2);
    });

    it('approvals of a streamed run, resolved with resolveInterruptions', async () => {
      const id = key('stream-approval');
      mock.conversation(id, (request) =>
        request.lastToolResult === undefined
          ? { toolCalls: [{ name: 'refund', arguments: { orderId: '9' } }], delayMs: 30 }
          : { text: `done: ${request.lastToolResult}`, delayMs: 30 },
      );
      const { invocationId } = await env.send(
        { service: 'OpenAIAgentsPatterns', handler: 'streamApproval', key: id },
        { model: id },
      );
      const deadline = Date.now() + 20_000;
      while (seen.get(`${id}:awakeable`) === undefined && Date.now() < deadline) await pause(50);
      const [awakeableId] = seen.get(`${id}:awakeable`) ?? [];
      await env.resolveAwakeable(String(awakeableId), true);
      expect(await env.attach(invocationId)).toEqual({ text: 'done: refunded 9' });
      expect(seen.get(id)).toEqual(['refund:9']);
      expect(mock.requestsFor(id)).toHaveLength(2);
    });

    it('a handoff with onHandoff doing durable work and an inputFilter', async () => {
      const id = key('handoff-hooks');
      mock.conversation(`${id}-triage`, [
        { toolCalls: [{ name: 'transfer_to_specialist', arguments: {} }], delayMs: 30 },
      ]);
      mock.conversation(`${id}-specialist`, (request) => ({
        text: `specialist saw ${request.messages.filter((m) => m.role !== 'system').length} message(s)`,
        delayMs: 30,
      }));
      const { output, names } = await runNames('handoffHooks', id);
      expect(output).toEqual({ text: 'specialist saw 1 message(s)', lastAgent: 'specialist' });
      expect(names).toEqual([STEP_NAMES.model(1), 'on-handoff', STEP_NAMES.model(2)]);
      expect(seen.get(id)).toEqual(['on-handoff']);
      expect(mock.requestsFor(`${id}-specialist`)).toHaveLength(1);
    });

    it('structured output, dynamic instructions and tool guardrails with durable work', async () => {
      const id = key('structured');
      mock.conversation(id, (request) =>
        request.lastToolResult === undefined
          ? { toolCalls: [{ name: 'lookup', arguments: { city: 'Oslo' } }], delayMs: 30 }
          : { text: JSON.stringify({ city: 'Oslo', degrees: 12 }), delayMs: 30 },
      );
      const { output, names } = await runNames('structured', id);
      expect(output).toEqual({ output: { city: 'Oslo', degrees: 12 } });
      expect(names).toEqual([
        'load-user',
        STEP_NAMES.model(1),
        'tool-input-check',
        'tool-output-check',
        'load-user',
        STEP_NAMES.model(2),
      ]);
      expect(seen.get(id)).toEqual(['in:{"city":"Oslo"}', 'out:Oslo: 12 degrees']);
      expect(mock.requestsFor(id)[0]?.messages[0]?.text).toBe('You help Ada.');
    });

    // Keys of their own, mostly waiting on step retry back-offs: these run side by side.
    describe.concurrent('the tool-call contract', () => {
      const contract = (id: string, input: object) =>
        call('contract', id, { prompt: 'go', ...input });
      const failure = async (id: string, input: object): Promise<Error> => {
        try {
          await contract(id, input);
        } catch (error) {
          return error as Error;
        }
        throw new Error('expected the invocation to fail');
      };

      it('a durableTool giving up hands the model a tool error naming it; the agent goes on', async () => {
        const id = key('gives-up');
        mock.conversation(id, (request) =>
          request.lastToolResult === undefined
            ? { toolCalls: [{ name: 'flaky', arguments: {} }] }
            : { text: `model read: ${request.lastToolResult}` },
        );
        const output = await contract(id, {});
        expect(output).toEqual({
          text: expect.stringMatching(/model read: .*flaky.*backend down/),
        });
        // Two attempts (the cap), each handed the attempt's abort signal.
        expect(seen.get(id)).toEqual(['flaky:true', 'flaky:true']);
      });

      it("onGiveUp: 'fail' ends the run instead", async () => {
        const id = key('gives-up-fail');
        mock.conversation(id, [
          { toolCalls: [{ name: 'flaky_fail', arguments: {} }] },
          { text: 'never' },
        ]);
        const error = await failure(id, {});
        expect(InvocationFailedError.isInstance(error)).toBe(true);
        expect(error.message).toMatch(/backend down for good/);
        expect(mock.requestsFor(id)).toHaveLength(1);
      });

      it('a model wrapped with durableModel is not wrapped again by DurableRunner', async () => {
        const id = key('double-wrap');
        mock.conversation(id, [{ text: 'once', delayMs: 30 }]);
        const { output, names } = await runNames('contract', id, { prompt: 'go', wrapped: true });
        expect(output).toEqual({ text: 'once' });
        expect(names).toEqual([STEP_NAMES.model(1)]);
      });

      it('a BigInt result reaches the model as its decimal text', async () => {
        const id = key('bigint');
        mock.conversation(id, (request) =>
          request.lastToolResult === undefined
            ? { toolCalls: [{ name: 'big', arguments: {} }] }
            : { text: `got ${request.lastToolResult}` },
        );
        expect(await contract(id, {})).toEqual({ text: 'got {"count":"12345678901234567890"}' });
      });

      it('a circular tool result ends the run with an error naming the tool', async () => {
        const id = key('circular');
        mock.conversation(id, [
          { toolCalls: [{ name: 'loop', arguments: {} }] },
          { text: 'never' },
        ]);
        const error = await failure(id, {});
        expect(InvocationFailedError.isInstance(error)).toBe(true);
        expect(error.message).toMatch(/tool "loop".*circular/);
        expect(mock.requestsFor(id)).toHaveLength(1);
      });

      const repeating = [
        {
          name: 'max turns exceeded',
          script: () => ({ toolCalls: [{ name: 'flaky', arguments: {} }] }),
          pattern: /Max turns/i,
        },
        {
          name: 'a tool the model made up',
          script: () => ({ toolCalls: [{ name: 'delete_everything', arguments: {} }] }),
          pattern: /delete_everything/,
        },
      ] as const;
      for (const { name, script, pattern } of repeating) {
        it(`${name} ends the invocation at once (a retry would replay into it)`, async () => {
          const id = key(`repeating-${name.length}`);
          mock.conversation(id, script);
          const error = await failure(id, {});
          expect(InvocationFailedError.isInstance(error)).toBe(true);
          expect(error.message).toMatch(pattern);
          expect(error.message).toMatch(/would repeat identically/);
        });
      }

      it('errorHandlers.maxTurns turns max turns into a final output', async () => {
        const id = key('handled-max-turns');
        mock.conversation(id, () => ({ toolCalls: [{ name: 'flaky', arguments: {} }] }));
        expect(await contract(id, { handled: true })).toEqual({ text: 'stopped after max turns' });
        expect(mock.requestsFor(id)).toHaveLength(2);
      });

      it('a guardrail tripwire ends the invocation at once', async () => {
        const id = key('tripwire');
        mock.conversation(id, [{ text: 'never' }]);
        const error = await failure(id, { prompt: 'something forbidden' });
        expect(error.message).toMatch(/would repeat identically/);
        expect(mock.requestsFor(id)).toHaveLength(0);
      });

      it('a malformed handler input (an object as the prompt) is refused before any step', async () => {
        const id = key('malformed');
        const error = await failure(id, { prompt: { text: 'hi' } });
        expect(error.message).toMatch(/agent input must be a string/);
        expect(mock.requestsFor(id)).toHaveLength(0);
      });
    });

    it("an agent's MCP server: tools listed once per run, each call one journaled step", async () => {
      const id = key('mcp');
      mock.conversation(id, (request) =>
        request.lastToolResult === undefined
          ? {
              toolCalls: [
                { name: 'read_file', arguments: { path: 'a.txt' } },
                { name: 'read_file', arguments: { path: 'b.txt' } },
              ],
              delayMs: 30,
            }
          : { text: `read: ${request.lastToolResult}` },
      );
      const { output, names } = await runNames('mcp', id);
      expect(output).toEqual({ text: 'read: contents of b.txt' });
      expect(seen.get(id)).toEqual([
        'mcp:list',
        'mcp:call:read_file:a.txt',
        'mcp:call:read_file:b.txt',
      ]);
      expect(names).toEqual([
        STEP_NAMES.mcpList('files'),
        STEP_NAMES.model(1),
        STEP_NAMES.mcpCall('files', 'read_file', '<id>'),
        STEP_NAMES.mcpCall('files', 'read_file', '<id>'),
        STEP_NAMES.model(2),
      ]);
    });
  });
}
