/**
 * What the conformance suite does not cover, against a real restate-server in normal and always-replay mode
 * (every await suspends and the handler replays from the top, so any nondeterminism or repeated call shows):
 * handoffs to agents with `Model` objects, agents as tools (and a `TerminalError` inside one), ordered
 * tools, parallel durable tools (`toolConcurrency`), blocking input guardrails and `durableTool`.
 */
import { Agent, type InputGuardrail, type Model, tool as sdkTool } from '@openai/agents-core';
import { OpenAIProvider } from '@openai/agents-openai';
import { InvocationFailedError } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  DurableRunner,
  durableAgentTool,
  durableTool,
  restateContext,
  STEP_NAMES,
  tool,
} from '../src/index.js';

const mock = useMockModel();
let provider: OpenAIProvider;

/** Observations made outside Restate: how often a body really ran, per key. */
const executions = new Map<string, number>();
const count = (key: string): number => {
  const next = (executions.get(key) ?? 0) + 1;
  executions.set(key, next);
  return next;
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const recordTool = durableTool({
  name: 'record',
  description: 'Record an id',
  parameters: z.object({ id: z.string() }),
  execute: ({ id }) => {
    count(`record:${id}`);
    return `recorded ${id}`;
  },
});

const failTerminal = tool({
  name: 'fail_terminal',
  description: 'Fail for good',
  parameters: z.object({ message: z.string() }),
  execute: ({ message }) => {
    throw new restate.TerminalError(message);
  },
});

/** A tool with a delay that flips between executions (like network latency), then a durable step. */
const racingTool = (name: string, slowOnOddRuns: boolean) =>
  tool({
    name,
    description: `Race ${name}`,
    parameters: z.object({}),
    execute: async (_input, runContext) => {
      const ctx = restateContext<restate.ObjectContext>(runContext);
      const run = executions.get(`handler:${ctx.key}`) ?? 0;
      await pause((run % 2 === 1) === slowOnOddRuns ? 40 : 0);
      return ctx.run(`race:${name}`, () => name);
    },
  });

/** Latencies of the parallel tools, in model order: the first finishes last. */
const LATENCIES = { slow: 300, fast: 50, medium: 150 } as const;
type ParallelName = keyof typeof LATENCIES;
/** When each parallel tool body started and ended (outside Restate), per key and tool. */
const spans = new Map<string, { start: number; end: number }>();

/** The body both variants run: count the side effect, wait its latency, record its span. */
const sideEffect = async (key: string, name: ParallelName) => {
  count(`parallel:${key}:${name}`);
  const start = performance.now();
  await pause(LATENCIES[name]);
  spans.set(`${key}:${name}`, { start, end: performance.now() });
  return `${name} done`;
};

const parallelTools = (plain: boolean) =>
  (Object.keys(LATENCIES) as ParallelName[]).map((name) =>
    plain
      ? tool({
          name,
          description: `Parallel ${name}`,
          parameters: z.object({ key: z.string() }),
          execute: ({ key }, runContext) =>
            restateContext(runContext).run(`plain:${name}`, () => sideEffect(key, name)),
        })
      : durableTool({
          name,
          description: `Parallel ${name}`,
          parameters: z.object({ key: z.string() }),
          execute: ({ key }) => sideEffect(key, name),
        }),
  );

interface Input {
  scenario: string;
  model: string;
}

/** Per key: the signal each model request got, beside the signal of the attempt that made it. */
const modelSignals = new Map<
  string,
  { request: AbortSignal | undefined; attempt: AbortSignal }[]
>();

const agents = restate.object({
  name: 'OpenAIAgentsProbe',
  handlers: {
    async handoff(ctx: restate.ObjectContext, input: Input) {
      // The specialist's model is a `Model` object: it bypasses the provider, so DurableRunner must wrap it.
      const specialistModel: Model = await provider.getModel(`${input.model}-specialist`);
      const specialist = new Agent({
        name: 'specialist',
        handoffDescription: 'Records things',
        model: specialistModel,
        tools: [recordTool],
      });
      const triage = new Agent({
        name: 'triage',
        model: `${input.model}-triage`,
        handoffs: [specialist],
      });
      const result = await new DurableRunner(ctx, { modelProvider: provider }).run(
        triage,
        'record x',
      );
      return { text: result.finalOutput, lastAgent: result.lastAgent?.name };
    },
    async agentTool(ctx: restate.ObjectContext, input: Input & { sdkAsTool?: boolean }) {
      const inner = new Agent({
        name: 'inner',
        handoffDescription: 'Does the inner work',
        model: `${input.model}-inner`,
        tools: [recordTool, failTerminal],
      });
      const lead = new Agent({
        name: 'lead',
        model: `${input.model}-lead`,
        tools: [
          input.sdkAsTool
            ? inner.asTool({ toolName: 'inner', toolDescription: 'Ask inner' })
            : durableAgentTool(inner),
        ],
      });
      const result = await new DurableRunner(ctx, { modelProvider: provider }).run(
        lead,
        'delegate',
      );
      return { text: result.finalOutput };
    },
    async race(ctx: restate.ObjectContext, input: Input & { unordered?: boolean }) {
      count(`handler:${ctx.key}`);
      const agent = new Agent({
        name: 'racer',
        model: input.model,
        tools: [racingTool('a', true), racingTool('b', false)],
      });
      const runner = new DurableRunner(ctx, {
        modelProvider: provider,
        ...(input.unordered && { toolExecution: { maxFunctionToolConcurrency: null } }),
      });
      const result = await runner.run(agent, 'race');
      return { text: result.finalOutput };
    },
    async parallel(
      ctx: restate.ObjectContext,
      input: Input & { plain?: boolean; concurrency?: number },
    ) {
      const agent = new Agent({
        name: 'parallel',
        model: input.model,
        tools: parallelTools(input.plain === true),
      });
      const runner = new DurableRunner(ctx, {
        modelProvider: provider,
        // Plain tools are refused under toolConcurrency; the SDK's own setting skips that check.
        ...(input.plain
          ? { toolExecution: { maxFunctionToolConcurrency: 3 } }
          : { toolConcurrency: input.concurrency ?? 3 }),
      });
      const result = await runner.run(agent, 'in parallel');
      return { text: result.finalOutput };
    },
    async watched(ctx: restate.ObjectContext, input: Input) {
      const model = await provider.getModel(input.model);
      const watching: Model = {
        getResponse: (request) => {
          const seen = modelSignals.get(ctx.key) ?? [];
          seen.push({ request: request.signal, attempt: ctx.request().attemptCompletedSignal });
          modelSignals.set(ctx.key, seen);
          return model.getResponse(request);
        },
        getStreamedResponse: (request) => model.getStreamedResponse(request),
      };
      const agent = new Agent({ name: 'watched', model: watching });
      const result = await new DurableRunner(ctx).run(agent, 'hello');
      return { text: result.finalOutput };
    },
    async guarded(ctx: restate.ObjectContext, input: Input) {
      // The guardrail reaches ctx through its run context like any SDK callback; it is slower than the
      // model call would be to start, so racing it (the SDK default) would journal the model step first.
      const guardrail: InputGuardrail = {
        name: 'slow-check',
        execute: async ({ context }) => {
          await pause(50);
          await restateContext(context).run('guardrail-check', () => 'ok');
          return { tripwireTriggered: false, outputInfo: {} };
        },
      };
      const agent = new Agent({
        name: 'guarded',
        model: input.model,
        inputGuardrails: [guardrail],
      });
      const result = await new DurableRunner(ctx, { modelProvider: provider }).run(agent, 'hello');
      return { text: result.finalOutput };
    },
  },
});

beforeAll(() => {
  provider = new OpenAIProvider({ baseURL: mock.openaiBaseUrl, apiKey: 'scripted' });
});

const MODES = [
  { name: 'normal', alwaysReplay: false },
  { name: 'always-replay', alwaysReplay: true },
] as const;

for (const mode of MODES) {
  describe(`OpenAI Agents SDK (${mode.name})`, () => {
    const env = useRestate({ alwaysReplay: mode.alwaysReplay, disableRetries: true });
    beforeAll(() => env.register({ services: [agents] }));
    /** Keys (and scripted conversations) per mode: one mock model serves both servers. */
    const k = (name: string) => `${name}-${mode.name}`;

    async function invoke(handler: string, key: string, input: object): Promise<string> {
      const { invocationId } = await env.send(
        { service: 'OpenAIAgentsProbe', handler, key },
        { scenario: key, model: key, ...input },
      );
      return invocationId;
    }

    /** Run step names, with the model's call ids of tool steps shown as `<id>` (they come from the script). */
    const runNames = async (invocationId: string) =>
      (await env.journal(invocationId))
        .filter((entry) => entry.kind === 'command' && entry.type === 'Run')
        .map((entry) => entry.name?.replace(/^(openai-agents:tool:[^:]+):.+$/, '$1:<id>'));
    const toolStep = (name: string) => STEP_NAMES.tool(name, '<id>');

    describe('handoffs', () => {
      it('hands off to an agent whose model is a Model object; every model call journaled once', async () => {
        const key = k('handoff-1');
        mock.conversation(`${key}-triage`, [
          { toolCalls: [{ name: 'transfer_to_specialist', arguments: {} }] },
        ]);
        mock.conversation(`${key}-specialist`, (request) =>
          request.lastToolResult?.startsWith('recorded')
            ? { text: `Specialist: ${request.lastToolResult}` }
            : { toolCalls: [{ name: 'record', arguments: { id: key } }] },
        );
        const invocationId = await invoke('handoff', key, {});
        expect(await env.attach(invocationId)).toEqual({
          text: `Specialist: recorded ${key}`,
          lastAgent: 'specialist',
        });
        expect(mock.requestsFor(`${key}-triage`)).toHaveLength(1);
        // Without wrapping the Model object, every replay would ask the specialist's model again.
        expect(mock.requestsFor(`${key}-specialist`)).toHaveLength(2);
        expect(executions.get(`record:${key}`)).toBe(1);
        expect(await runNames(invocationId)).toEqual([
          STEP_NAMES.model(1),
          STEP_NAMES.model(2),
          toolStep('record'),
          STEP_NAMES.model(3),
        ]);
      });
    });

    describe('agents as tools', () => {
      const scriptAgentTool = (key: string, innerTool: object) => {
        mock.conversation(`${key}-lead`, (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'inner', arguments: { input: 'go' } }] }
            : { text: `Lead heard: ${request.lastToolResult ?? ''}` },
        );
        mock.conversation(`${key}-inner`, (request) =>
          request.turnIndex === 0
            ? { toolCalls: [innerTool as { name: string; arguments: unknown }] }
            : { text: `Inner saw: ${request.lastToolResult ?? ''}` },
        );
      };

      it('runs the nested agent durably and returns its final output to the outer model', async () => {
        const key = k('agent-tool-ok');
        scriptAgentTool(key, { name: 'record', arguments: { id: key } });
        const invocationId = await invoke('agentTool', key, {});
        expect(await env.attach(invocationId)).toEqual({
          text: `Lead heard: Inner saw: recorded ${key}`,
        });
        expect(mock.requestsFor(`${key}-lead`)).toHaveLength(2);
        expect(mock.requestsFor(`${key}-inner`)).toHaveLength(2);
        expect(executions.get(`record:${key}`)).toBe(1);
      });

      it("a TerminalError thrown by the nested agent's tool fails the outer invocation", async () => {
        const key = k('agent-tool-terminal');
        scriptAgentTool(key, {
          name: 'fail_terminal',
          arguments: { message: 'nested card declined' },
        });
        const failure = await env
          .attach(await invoke('agentTool', key, {}))
          .catch((e: unknown) => e);
        expect(InvocationFailedError.isInstance(failure)).toBe(true);
        expect((failure as InvocationFailedError).message).toMatch(/nested card declined/);
        expect(mock.requestsFor(`${key}-lead`)).toHaveLength(1);
        expect(mock.requestsFor(`${key}-inner`)).toHaveLength(1);
      });

      it("the SDK's own asTool() swallows that TerminalError (why durableAgentTool exists)", async () => {
        const key = k('agent-tool-sdk');
        scriptAgentTool(key, { name: 'fail_terminal', arguments: { message: 'swallowed' } });
        const output = await env.attach<{ text: string }>(
          await invoke('agentTool', key, { sdkAsTool: true }),
        );
        expect(output.text).toMatch(/^Lead heard:/);
        expect(output.text).not.toMatch(/swallowed/);
      });
    });

    describe('ordering', () => {
      const scriptRace = (key: string) =>
        mock.conversation(key, [
          {
            toolCalls: [
              { name: 'a', arguments: {} },
              { name: 'b', arguments: {} },
            ],
          },
          { text: 'raced' },
        ]);

      it("runs one turn's tools one at a time in model order, so replays match the journal", async () => {
        const key = k('race-ordered');
        scriptRace(key);
        const invocationId = await invoke('race', key, {});
        expect(await env.attach(invocationId)).toEqual({ text: 'raced' });
        expect(await runNames(invocationId)).toEqual([
          STEP_NAMES.model(1),
          'race:a',
          'race:b',
          STEP_NAMES.model(2),
        ]);
      });

      it.runIf(mode.alwaysReplay)(
        'the SDK default (all tools at once) hits a journal mismatch on replay',
        async () => {
          const key = k('race-unordered');
          scriptRace(key);
          const failure = await env
            .attach(await invoke('race', key, { unordered: true }))
            .catch((e: unknown) => e);
          expect(failure).toBeInstanceOf(Error);
          expect(env.logs() + (failure as Error).message).toMatch(
            /mismatch|awaitNext already pending|570/i,
          );
        },
      );

      const scriptParallel = (key: string) =>
        mock.conversation(key, (request) =>
          request.turnIndex === 0
            ? {
                toolCalls: (Object.keys(LATENCIES) as ParallelName[]).map((name) => ({
                  name,
                  arguments: { key },
                })),
              }
            : { text: 'all done' },
        );

      it('runs durable tools in parallel under toolConcurrency, their steps in model order', async () => {
        const key = k('parallel-durable');
        scriptParallel(key);
        const invocationId = await invoke('parallel', key, {});
        expect(await env.attach(invocationId)).toEqual({ text: 'all done' });
        for (const name of Object.keys(LATENCIES)) {
          expect(executions.get(`parallel:${key}:${name}`)).toBe(1);
        }
        // Model order, not completion order (fast, medium, slow).
        expect(await runNames(invocationId)).toEqual([
          STEP_NAMES.model(1),
          toolStep('slow'),
          toolStep('fast'),
          toolStep('medium'),
          STEP_NAMES.model(2),
        ]);
        // They overlapped: every body started before any ended.
        const measured = Object.keys(LATENCIES).map((name) => spans.get(`${key}:${name}`));
        const starts = measured.map((span) => span?.start ?? Number.NaN);
        const ends = measured.map((span) => span?.end ?? Number.NaN);
        expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
      });

      it('with fewer workers than calls, later tools start as earlier batches finish, still in model order', async () => {
        const key = k('parallel-two');
        scriptParallel(key);
        const invocationId = await invoke('parallel', key, { concurrency: 2 });
        expect(await env.attach(invocationId)).toEqual({ text: 'all done' });
        for (const name of Object.keys(LATENCIES)) {
          expect(executions.get(`parallel:${key}:${name}`)).toBe(1);
        }
        expect(await runNames(invocationId)).toEqual([
          STEP_NAMES.model(1),
          toolStep('slow'),
          toolStep('fast'),
          toolStep('medium'),
          STEP_NAMES.model(2),
        ]);
        const slow = spans.get(`${key}:slow`);
        const fast = spans.get(`${key}:fast`);
        expect(fast?.start ?? Number.NaN).toBeLessThan(slow?.end ?? Number.NaN);
      });

      it('the same tools as plain tools awaiting ctx.run concurrently fail the invocation', async () => {
        const key = k('parallel-plain');
        scriptParallel(key);
        const failure = await env
          .attach(await invoke('parallel', key, { plain: true }))
          .catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(Error);
        expect(env.logs() + (failure as Error).message).toMatch(
          /mismatch|awaitNext already pending|570/i,
        );
      });

      it('an input guardrail finishes before the first model call instead of racing it', async () => {
        const key = k('guardrail');
        mock.conversation(key, [{ text: 'guarded hello' }]);
        const invocationId = await invoke('guarded', key, {});
        expect(await env.attach(invocationId)).toEqual({ text: 'guarded hello' });
        expect(await runNames(invocationId)).toEqual(['guardrail-check', STEP_NAMES.model(1)]);
      });
    });
    describe('model request signals', () => {
      it("a finished model request is cut loose from its attempt's signal, which Restate aborts when the invocation ends", async () => {
        const key = k('signals');
        mock.conversation(key, [{ text: 'watched hello' }]);
        const invocationId = await invoke('watched', key, {});
        expect(await env.attach(invocationId)).toEqual({ text: 'watched hello' });
        const [seen, ...more] = modelSignals.get(key) ?? [];
        expect(more).toHaveLength(0);
        // The client and fetch keep listening to the request's signal after the answer: still linked to the
        // attempt, every finished request would run its abort handlers at the end of every invocation.
        await vi.waitFor(() => expect(seen?.attempt.aborted).toBe(true));
        expect(seen?.request).toBeInstanceOf(AbortSignal);
        expect(seen?.request?.aborted).toBe(false);
      });
    });
  });
}

describe('outside a DurableRunner', () => {
  it('restateContext names what is missing', () => {
    const plain = sdkTool({
      name: 'x',
      description: 'x',
      parameters: z.object({}),
      execute: () => 'x',
    });
    expect(plain.name).toBe('x');
    expect(() => restateContext(undefined)).toThrow(/not started by a DurableRunner/);
  });
});
