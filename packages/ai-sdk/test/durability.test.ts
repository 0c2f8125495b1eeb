/**
 * The adapter's rules proved against a real restate-server in always-replay mode (the handler runs again
 * from the top after every journaled step), with `@ai-sdk/openai` talking HTTP to the scripted model.
 * Each rule is shown next to the same code without it, which fails.
 */
import { createOpenAI } from '@ai-sdk/openai';
import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { InvocationFailedError, scriptedRuns } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import {
  embedMany,
  generateObject,
  generateText,
  isStepCount,
  type JSONSchema7,
  jsonSchema,
  Output,
  streamText,
  ToolLoopAgent,
  tool,
  wrapLanguageModel,
} from 'ai';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableEmbeddingModel, durableModel, durableTools, withRestate } from '../src/index.js';

const env = useRestate({ alwaysReplay: true, disableRetries: true });
const mock = useMockModel();
const openai = () => createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'scripted' });

type Variant = 'adapter' | 'without' | 'parallel-plain';
interface LoopInput {
  variant: Variant;
  stream?: boolean;
  prompt?: string;
}

/** Executions of tool bodies and embeddings outside Restate, by key. */
const executions = new Map<string, number>();
const inFlight = new Map<string, number>();
const maxInFlight = new Map<string, number>();
const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const textSchema = jsonSchema<{ text: string }>({
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
} as JSONSchema7);

const agent = restate.object({
  name: 'AiSdkProbe',
  handlers: {
    /** A tool throws TerminalError. `without`: durableModel alone, rethrowing from onStepEnd (restate's old advice). */
    async terminal(ctx: restate.ObjectContext, input: LoopInput): Promise<string> {
      const fail = tool({
        inputSchema: textSchema,
        execute: async ({ text }): Promise<string> => {
          throw new restate.TerminalError(text);
        },
      });
      const base = {
        model: openai().chat(ctx.key),
        tools: { fail },
        prompt: 'charge the card',
        stopWhen: isStepCount(5),
      };
      if (input.variant === 'without') {
        const result = await generateText({
          ...base,
          model: durableModel(ctx, base.model),
          maxRetries: 0,
          onStepEnd: (step) => {
            const error = step.content.find((part) => part.type === 'tool-error');
            if (error) throw error.error;
          },
        });
        return result.text;
      }
      const settings = withRestate(ctx, base);
      if (input.stream) return streamText(settings).text;
      return (await generateText(settings)).text;
    },

    /** Two tools in one turn, each with latency before its durable step; `without` lets them race. */
    async twoTools(ctx: restate.ObjectContext, input: LoopInput): Promise<string> {
      const slowTool = (name: string) =>
        tool({
          inputSchema: textSchema,
          execute: async ({ text }) => {
            count(`${ctx.key}:${name}`);
            const run = executions.get(`${ctx.key}:${name}`) ?? 0;
            // Latency that changes between executions, as a network's does.
            await pause((name === 'a') === (run % 2 === 1) ? 40 : 0);
            return ctx.run(`side-effect:${name}`, () => `${name}:${text}`);
          },
        });
      const settings = withRestate(
        ctx,
        {
          model: openai().chat(ctx.key),
          tools: { a: slowTool('a'), b: slowTool('b') },
          prompt: 'run both',
          stopWhen: isStepCount(3),
        },
        { toolConcurrency: input.variant === 'parallel-plain' ? 2 : 1 },
      );
      const result = await generateText(
        input.variant === 'without' ? { ...settings, toolCallConcurrency: undefined } : settings,
      );
      return result.text;
    },

    /** Four durable tools in one turn, `concurrency` at a time; records how many ran at once. */
    async parallelTools(ctx: restate.ObjectContext, concurrency: number): Promise<string> {
      const slow = (name: string) =>
        tool({
          inputSchema: textSchema,
          execute: async ({ text }) => {
            count(`${ctx.key}:${name}`);
            inFlight.set(ctx.key, (inFlight.get(ctx.key) ?? 0) + 1);
            maxInFlight.set(
              ctx.key,
              Math.max(maxInFlight.get(ctx.key) ?? 0, inFlight.get(ctx.key) ?? 0),
            );
            // Later tools finish first, so completion order differs from model order.
            await pause(name === 'a' ? 60 : name === 'b' ? 40 : 10);
            inFlight.set(ctx.key, (inFlight.get(ctx.key) ?? 0) - 1);
            return `${name}:${text}`;
          },
        });
      const settings = withRestate(
        ctx,
        {
          model: openai().chat(ctx.key),
          tools: durableTools(ctx, { a: slow('a'), b: slow('b'), c: slow('c'), d: slow('d') }),
          prompt: 'run all four',
          stopWhen: isStepCount(3),
        },
        { toolConcurrency: concurrency },
      );
      return (await generateText(settings)).text;
    },

    /** An SDK-generated id (an automatic approval's id) seen by the code and journaled by it. */
    async generatedIds(ctx: restate.ObjectContext, input: LoopInput) {
      const echo = tool({ inputSchema: textSchema, execute: async ({ text }) => text });
      const base = {
        model: openai().chat(ctx.key),
        tools: { echo },
        prompt: 'echo it',
        toolApproval: { echo: 'approved' as const },
      };
      const settings =
        input.variant === 'adapter'
          ? withRestate(ctx, base)
          : { ...base, model: durableModel(ctx, base.model), maxRetries: 0 };
      const result = await generateText(settings);
      const approval = result.steps[0]?.content.find(
        (part) => part.type === 'tool-approval-request',
      );
      const computed = approval?.type === 'tool-approval-request' ? approval.approvalId : '';
      // In always-replay the run below ends the attempt; the replay computes the id again.
      const journaled = await ctx.run('observe-id', () => computed);
      return { computed, journaled };
    },

    /** An n-step tool loop over a long prompt, for journal size. */
    async loop(ctx: restate.ObjectContext, input: LoopInput & { steps: number }) {
      const echo = tool({ inputSchema: textSchema, execute: async ({ text }) => text });
      const settings = withRestate(ctx, {
        model: openai().chat(ctx.key),
        tools: durableTools(ctx, { echo }),
        prompt: input.prompt ?? 'loop',
        stopWhen: isStepCount(input.steps + 1),
      });
      if (input.stream) return streamText(settings).text;
      return (await generateText(settings)).text;
    },

    /** One model call journaled the way `@restatedev/vercel-ai-middleware` does: the whole raw result. */
    async rawJournal(ctx: restate.ObjectContext, prompt: string) {
      const model = wrapLanguageModel({
        model: openai().chat(ctx.key),
        middleware: {
          specificationVersion: 'v4',
          wrapGenerate: ({ doGenerate }) =>
            ctx.run('raw-result', async () => JSON.parse(JSON.stringify(await doGenerate()))),
        },
      });
      return (await generateText({ model, prompt, maxRetries: 0 })).text;
    },

    /** A `ToolLoopAgent` built from durable settings; its tool records, then throws on request. */
    async agent(ctx: restate.ObjectContext, input: LoopInput & { stream?: boolean }) {
      const record = tool({
        inputSchema: textSchema,
        execute: async ({ text }) => {
          if (text === 'fatal') throw new restate.TerminalError('fatal record');
          count(`${ctx.key}:record`);
          return `recorded ${text}`;
        },
      });
      const agent = new ToolLoopAgent(
        withRestate(ctx, {
          model: openai().chat(ctx.key),
          instructions: 'Record what you are told.',
          tools: durableTools(ctx, { record }),
        }),
      );
      if (input.stream) return agent.stream({ prompt: 'record a' }).then((result) => result.text);
      return (await agent.generate({ prompt: 'record a' })).text;
    },

    /** Structured output through `Output.object`. */
    async structured(ctx: restate.ObjectContext) {
      const { output } = await generateText(
        withRestate(ctx, {
          model: openai().chat(ctx.key),
          output: Output.object({ schema: z.object({ city: z.string(), days: z.number() }) }),
          prompt: 'plan a trip',
        }),
      );
      return output;
    },

    /** Structured output through `generateObject` (deprecated in AI SDK 7, still shipped). */
    async object(ctx: restate.ObjectContext) {
      const { object } = await generateObject(
        withRestate(ctx, {
          model: openai().chat(ctx.key),
          schema: z.object({ city: z.string(), days: z.number() }),
          prompt: 'plan a trip',
        }),
      );
      await ctx.sleep(1);
      return object;
    },

    /** `embedMany` over two chunks of values. */
    async embeddings(ctx: restate.ObjectContext, input: LoopInput) {
      const model = countingEmbeddingModel(ctx.key);
      const { embeddings } = await embedMany({
        model: input.variant === 'adapter' ? durableEmbeddingModel(ctx, model) : model,
        values: ['a', 'bb', 'ccc'],
        maxRetries: 0,
      });
      await ctx.sleep(1);
      return embeddings;
    },

    /** One tool call, then an answer; records the signals the provider request and the tool body got. */
    async signals(ctx: restate.ObjectContext, input: LoopInput): Promise<string> {
      const recorded = stepSignals.get(ctx.key) ?? [];
      stepSignals.set(ctx.key, recorded);
      const provider = wrapLanguageModel({
        model: openai().chat(ctx.key),
        middleware: {
          specificationVersion: 'v4',
          wrapGenerate: ({ doGenerate, params }) => {
            if (params.abortSignal) recorded.push(params.abortSignal);
            return doGenerate();
          },
          wrapStream: ({ doStream, params }) => {
            if (params.abortSignal) recorded.push(params.abortSignal);
            return doStream();
          },
        },
      });
      const echo = tool({
        inputSchema: textSchema,
        execute: async ({ text }, { abortSignal }) => {
          if (abortSignal) recorded.push(abortSignal);
          return text;
        },
      });
      const settings = withRestate(ctx, {
        model: provider,
        tools: durableTools(ctx, { echo }),
        prompt: 'echo',
        stopWhen: isStepCount(3),
      });
      const text = input.stream
        ? await streamText(settings).text
        : (await generateText(settings)).text;
      // One more entry after the last step, so the attempt that ran it ends after the step did.
      await ctx.sleep(1);
      return text;
    },
  },
});

/** The abort signals provider requests and tool bodies received, by object key. */
const stepSignals = new Map<string, AbortSignal[]>();

/** An embedding model computing vectors locally (length, vowel count), counting its calls. */
function countingEmbeddingModel(key: string): EmbeddingModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'local',
    modelId: 'lengths',
    maxEmbeddingsPerCall: 2,
    supportsParallelCalls: false,
    async doEmbed({ values }) {
      count(`${key}:embed`);
      return {
        embeddings: values.map((value) => [value.length, 1]),
        usage: { tokens: values.length },
        warnings: [],
      };
    },
  };
}

beforeAll(() => env.register({ services: [agent] }));

const { run } = scriptedRuns({ restate: env, model: mock, service: 'AiSdkProbe', label: 'replay' });

const failTurn = [
  { toolCalls: [{ name: 'fail', arguments: { text: 'card declined' } }] },
  { text: 'The model must never see the terminal error.' },
];

describe('terminal errors from tools (AI SDK 7 swallows step-callback errors)', () => {
  for (const stream of [false, true]) {
    it(`${stream ? 'streamText' : 'generateText'}: the invocation ends with the TerminalError after one model call`, async () => {
      const { key, result } = run('terminal', { variant: 'adapter', stream }, failTurn);
      const failure = await result.catch((error: unknown) => error);
      expect(InvocationFailedError.isInstance(failure)).toBe(true);
      expect((failure as InvocationFailedError).message).toMatch(/card declined/);
      expect(mock.requestsFor(key)).toHaveLength(1);
    });
  }

  it('without the adapter: rethrowing from onStepEnd is swallowed and the model sees the error', async () => {
    const { key, result } = run<string>('terminal', { variant: 'without' }, failTurn);
    const { output } = await result;
    expect(output).toBe('The model must never see the terminal error.');
    expect(mock.requestsFor(key)).toHaveLength(2);
    expect(mock.requestsFor(key)[1]?.lastToolResult).toMatch(/card declined/);
  });
});

describe('tools of one turn run in model order (R7)', () => {
  const script = [
    {
      toolCalls: [
        { name: 'a', arguments: { text: '1' } },
        { name: 'b', arguments: { text: '2' } },
      ],
    },
    { text: 'both done' },
  ];

  it('with the adapter the replay matches the journal', async () => {
    const { result } = run<string>('twoTools', { variant: 'adapter' }, script);
    expect((await result).output).toBe('both done');
  });

  it('racing tools (the SDK default, unlimited concurrency) fail the replay', async () => {
    const { result } = run<string>('twoTools', { variant: 'without' }, script);
    await expect(result).rejects.toSatisfy((error) => InvocationFailedError.isInstance(error));
  });
});

describe('bounded ordered parallelism (toolConcurrency)', () => {
  const script = (request: { turnIndex: number; messages: Array<{ role: string }> }) =>
    request.turnIndex === 0
      ? { toolCalls: ['a', 'b', 'c', 'd'].map((name) => ({ name, arguments: { text: '1' } })) }
      : {
          text: `results: ${request.messages.filter((message) => message.role === 'tool').length}`,
        };

  for (const concurrency of [1, 4]) {
    it(`toolConcurrency ${concurrency}: ${concurrency} at a time, each once, steps journaled in model order`, async () => {
      const { key, result } = run<string>('parallelTools', concurrency, script);
      const { invocationId, output } = await result;
      expect(output).toBe('results: 4');
      for (const name of ['a', 'b', 'c', 'd']) expect(executions.get(`${key}:${name}`)).toBe(1);
      expect(maxInFlight.get(key)).toBe(concurrency);
      const toolSteps = (await env.journal(invocationId))
        .filter((entry) => entry.type === 'Run' && entry.name?.startsWith('ai-sdk:tool:'))
        .map((entry) => entry.name?.split(':')[2]);
      expect(toolSteps).toEqual(['a', 'b', 'c', 'd']);
    });
  }

  it('refuses parallelism over tools that are not durable tools, naming them', async () => {
    const { result } = run<string>('twoTools', { variant: 'parallel-plain' });
    await expect(result).rejects.toThrow(
      /toolConcurrency 2 needs every tool to be a durableTool, but a, b/,
    );
  });
});

describe('ids the SDK generates are the same on replay (R8)', () => {
  const script = [{ toolCalls: [{ name: 'echo', arguments: { text: 'hi' } }] }, { text: 'done' }];

  it('with the adapter', async () => {
    const { result } = run<{ computed: string; journaled: string }>(
      'generatedIds',
      { variant: 'adapter' },
      script,
    );
    const { output } = await result;
    expect(output.computed).toMatch(/^aitxt-/);
    expect(output.computed).toBe(output.journaled);
  });

  it("without it the SDK's Math.random ids differ from the journaled ones", async () => {
    const { result } = run<{ computed: string; journaled: string }>(
      'generatedIds',
      { variant: 'without' },
      script,
    );
    const { output } = await result;
    expect(output.computed).not.toBe(output.journaled);
  });
});

describe('the journal stays small (R11)', () => {
  const echoLoop = (steps: number) => (request: { turnIndex: number }) =>
    request.turnIndex < steps
      ? { toolCalls: [{ name: 'echo', arguments: { text: `step ${request.turnIndex}` } }] }
      : { text: 'loop done' };

  for (const stream of [false, true]) {
    it(`${stream ? 'streamText' : 'generateText'}: bytes grow linearly with steps`, async () => {
      const bytes: number[] = [];
      for (const steps of [10, 40]) {
        const { result } = run<string>(
          'loop',
          { variant: 'adapter', steps, stream },
          echoLoop(steps),
        );
        const { invocationId, output } = await result;
        expect(output).toBe('loop done');
        bytes.push(await env.journalBytes(invocationId));
      }
      const [ten = 0, forty = 0] = bytes;
      // Linear growth gives ~4x; quadratic (the prompt journaled every step) gives ~16x.
      expect(forty / ten).toBeLessThan(5);
    });
  }

  it('no request body or raw response is journaled, unlike journaling the raw result', async () => {
    const prompt = `remember this: ${'x'.repeat(20_000)}`;
    const adapter = run<string>('loop', { variant: 'adapter', steps: 1, prompt }, echoLoop(1));
    const { invocationId } = await adapter.result;
    const runs = (await env.journal(invocationId)).filter((entry) => entry.type === 'Run');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const entry of runs) expect(entry.resultLength ?? 0).toBeLessThan(2_000);

    const raw = run<string>('rawJournal', prompt, [{ text: 'ok' }]);
    const rawRuns = (await env.journal((await raw.result).invocationId)).filter(
      (entry) => entry.type === 'Run',
    );
    expect(rawRuns[0]?.resultLength ?? 0).toBeGreaterThan(20_000);
  });
});

describe('embeddings (embedMany) are durable', () => {
  for (const variant of ['adapter', 'without'] as const) {
    it(`${variant}: ${variant === 'adapter' ? 'each chunk is embedded once' : 'replays embed again'}`, async () => {
      const { key, result } = run<number[][]>('embeddings', { variant });
      const { output } = await result;
      expect(output).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      const calls = executions.get(`${key}:embed`) ?? 0;
      if (variant === 'adapter') expect(calls).toBe(2);
      else expect(calls).toBeGreaterThan(2);
    });
  }
});

describe('ToolLoopAgent and structured output', () => {
  for (const stream of [false, true]) {
    it(`agent.${stream ? 'stream' : 'generate'}: a durable loop, each tool once`, async () => {
      const { key, result } = run<string>('agent', { variant: 'adapter', stream }, [
        { toolCalls: [{ name: 'record', arguments: { text: 'a' } }] },
        { text: 'recorded' },
      ]);
      expect((await result).output).toBe('recorded');
      expect(executions.get(`${key}:record`)).toBe(1);
      expect(mock.requestsFor(key)).toHaveLength(2);
    });
  }

  for (const stream of [false, true]) {
    it(`agent.${stream ? 'stream' : 'generate'}: a TerminalError from a tool ends the run`, async () => {
      const { key, result } = run<string>('agent', { variant: 'adapter', stream }, [
        { toolCalls: [{ name: 'record', arguments: { text: 'fatal' } }] },
        { text: 'must not be reached' },
      ]);
      await expect(result).rejects.toThrow(/fatal record/);
      expect(mock.requestsFor(key)).toHaveLength(1);
    });
  }

  it('generateObject: one journaled model call, the object parsed on every replay', async () => {
    const { key, result } = run<{ city: string; days: number }>('object', {}, [
      { text: JSON.stringify({ city: 'Porto', days: 2 }) },
    ]);
    expect((await result).output).toEqual({ city: 'Porto', days: 2 });
    expect(mock.requestsFor(key)).toHaveLength(1);
  });

  it('Output.object: the structured answer is parsed from the journaled text', async () => {
    const { result } = run<{ city: string; days: number }>('structured', {}, [
      { text: JSON.stringify({ city: 'Lisbon', days: 3 }) },
    ]);
    expect((await result).output).toEqual({ city: 'Lisbon', days: 3 });
  });
});

describe('abort signals inside steps', () => {
  for (const stream of [false, true]) {
    it(`${stream ? 'streamText' : 'generateText'}: the provider's and the tool's signals are released when their step ends, so the end of the attempt does not abort them again`, async () => {
      const { key, result } = run<string>('signals', { variant: 'adapter', stream }, [
        { toolCalls: [{ name: 'echo', arguments: { text: 'hi' } }] },
        { text: 'done' },
      ]);
      expect((await result).output).toBe('done');
      const signals = stepSignals.get(key) ?? [];
      // Two model calls and one tool body ran live; always-replay mode ends an attempt after each step.
      expect(signals).toHaveLength(3);
      expect(signals.filter((signal) => signal.aborted)).toEqual([]);
    });
  }
});
