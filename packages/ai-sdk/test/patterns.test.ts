/**
 * Patterns the AI SDK's own docs teach, each on a real restate-server in normal and always-replay mode (the
 * handler runs again from the top after every journaled step), with `@ai-sdk/openai` talking HTTP to the
 * scripted model, which answers after a delay. Each test fails without the adapter fix it names.
 */
import { createOpenAI } from '@ai-sdk/openai';
import type {
  EmbeddingModelV4,
  Experimental_VideoModelV4,
  ImageModelV4,
  RerankingModelV4,
  SpeechModelV4,
  TranscriptionModelV4,
} from '@ai-sdk/provider';
import { scriptedRuns } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import {
  dynamicTool,
  embedMany,
  generateImage,
  generateObject,
  experimental_generateSpeech as generateSpeech,
  generateText,
  experimental_generateVideo as generateVideo,
  isStepCount,
  type JSONSchema7,
  jsonSchema,
  type ModelMessage,
  Output,
  rerank,
  streamText,
  ToolLoopAgent,
  tool,
  experimental_transcribe as transcribe,
} from 'ai';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  durableEmbeddingModel,
  durableImageModel,
  durableModel,
  durableRerankingModel,
  durableSpeechModel,
  durableTool,
  durableTools,
  durableTranscriptionModel,
  durableVideoModel,
  liveOnly,
  liveTelemetry,
  withRestate,
} from '../src/index.js';

const mock = useMockModel();
type StructuredApi = 'generateObject' | 'generateText' | 'streamText';
const openai = () => createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'scripted' });

/** Executions of tool bodies, model calls and approval requests outside Restate, by key. */
const executions = new Map<string, number>();
const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const textSchema = jsonSchema<{ text: string }>({
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
} as JSONSchema7);

const agent = restate.object({
  name: 'AiSdkPatterns',
  handlers: {
    /**
     * A streaming tool (`async *execute`): preliminary results, then a durable step, then the final one. With
     * `durable`, the same tool wrapped by `durableTool` (one step, the final value journaled).
     */
    async streamingTool(ctx: restate.ObjectContext, input: { durable: boolean; stream: boolean }) {
      const lookup = tool({
        inputSchema: textSchema,
        async *execute({ text }) {
          count(`${ctx.key}:started`);
          yield { status: 'looking up' };
          const found = input.durable
            ? `found ${text}`
            : await ctx.run('lookup', async () => {
                count(`${ctx.key}:lookup`);
                await pause(30);
                return `found ${text}`;
              });
          yield { status: 'done', found };
        },
      });
      const settings = withRestate(ctx, {
        model: openai().chat(ctx.key),
        tools: { lookup: input.durable ? durableTool(ctx, lookup, { name: 'lookup' }) : lookup },
        prompt: 'look it up',
        stopWhen: isStepCount(3),
      });
      if (!input.stream) return (await generateText(settings)).text;
      const result = streamText(settings);
      let preliminary = 0;
      for await (const part of result.fullStream) {
        if (part.type === 'tool-result' && part.preliminary) preliminary++;
      }
      return `${await result.text} (${preliminary} preliminary)`;
    },

    /** `embedMany` over a model that embeds chunks in parallel, with latency that reorders completions. */
    async embedParallel(ctx: restate.ObjectContext) {
      const { embeddings } = await embedMany({
        model: durableEmbeddingModel(ctx, parallelEmbeddingModel(ctx.key)),
        values: ['a', 'bb', 'ccc', 'dddd', 'eeeee'],
        maxRetries: 0,
      });
      await ctx.sleep(1);
      return embeddings;
    },

    /** The `useChat` approval flow: the client's approval arrives in the messages; no awakeable is opened. */
    async approvedInMessages(ctx: restate.ObjectContext, messages: ModelMessage[]) {
      const refund = tool({
        inputSchema: textSchema,
        execute: async ({ text }) => {
          count(`${ctx.key}:refund`);
          return `refunded ${text}`;
        },
      });
      const result = await generateText(
        withRestate(
          ctx,
          {
            model: openai().chat(ctx.key),
            tools: { refund: durableTool(ctx, refund, { name: 'refund' }) },
            toolApproval: { refund: 'user-approval' as const },
            messages,
            stopWhen: isStepCount(3),
          },
          {
            approval: {
              onRequest: () => {
                count(`${ctx.key}:approval-requested`);
              },
              // Without the fix the call would wait here; the timeout turns that into a denial instead.
              timeout: 1_000,
            },
          },
        ),
      );
      return result.text;
    },

    /** Step callbacks: counted as the SDK calls them, and through `liveOnly`. */
    async callbacks(ctx: restate.ObjectContext, input: { stream: boolean }) {
      const echo = tool({ inputSchema: textSchema, execute: async ({ text }) => text });
      const settings = withRestate(ctx, {
        model: openai().chat(ctx.key),
        tools: durableTools(ctx, { echo }),
        prompt: 'echo twice',
        stopWhen: isStepCount(5),
      });
      // Callbacks pass through withRestate unchanged; they are added here to keep its type inference simple.
      const callbacks = {
        onStepEnd: (step: { stepNumber: number }) => {
          count(`${ctx.key}:step-${step.stepNumber}`);
          return liveOnly(ctx, () => count(`${ctx.key}:live-step-${step.stepNumber}`))();
        },
        onEnd: liveOnly(ctx, () => count(`${ctx.key}:live-end`)),
        // A telemetry integration: every event on each replay, or once per step through liveTelemetry.
        telemetry: {
          integrations: [
            {
              onStepEnd: (step: { stepNumber: number }) =>
                void count(`${ctx.key}:telemetry-step-${step.stepNumber}`),
            },
            liveTelemetry(ctx, {
              onStepEnd: (step: { stepNumber: number }) =>
                void count(`${ctx.key}:live-telemetry-step-${step.stepNumber}`),
              onEnd: () => void count(`${ctx.key}:live-telemetry-end`),
            }),
          ],
        },
      };
      if (input.stream) return streamText({ ...settings, ...callbacks }).text;
      return (await generateText({ ...settings, ...callbacks })).text;
    },

    /** Restate's tour of agents: one `durableModel` shared by agents, handed to `withRestate` again. */
    async doubleWrap(ctx: restate.ObjectContext, input: { stream: boolean }) {
      const shared = durableModel(ctx, openai().chat(ctx.key));
      const echo = tool({ inputSchema: textSchema, execute: async ({ text }) => text });
      const settings = withRestate(ctx, {
        model: shared,
        tools: durableTools(ctx, { echo }),
        prompt: 'echo it',
        stopWhen: isStepCount(3),
      });
      if (input.stream) return streamText(settings).text;
      return (await generateText(settings)).text;
    },

    /** A durable tool that fails every attempt: the model reads the give-up, or (`fail`) the run ends. */
    async givesUp(ctx: restate.ObjectContext, input: { onGiveUp: 'model' | 'fail' }) {
      const flaky = tool({
        inputSchema: textSchema,
        execute: async ({ text }): Promise<string> => {
          count(`${ctx.key}:flaky`);
          throw new Error(`backend down for ${text}`);
        },
      });
      const result = await generateText(
        withRestate(ctx, {
          model: openai().chat(ctx.key),
          tools: {
            flaky: durableTool(ctx, flaky, {
              name: 'flaky',
              onGiveUp: input.onGiveUp,
              maxRetryAttempts: 2,
              initialRetryInterval: { milliseconds: 10 },
            }),
          },
          prompt: 'try it',
          stopWhen: isStepCount(3),
        }),
      );
      return result.text;
    },

    /** A tool result holding a BigInt (the journal keeps it; the SDK's JSON.stringify would throw). */
    async bigint(ctx: restate.ObjectContext, input: { durable: boolean }) {
      const balance = tool({
        inputSchema: textSchema,
        execute: async ({ text }) => ({ account: text, cents: 12345678901234567890n }),
      });
      const result = await generateText(
        withRestate(ctx, {
          model: openai().chat(ctx.key),
          tools: {
            balance: input.durable ? durableTool(ctx, balance, { name: 'balance' }) : balance,
          },
          prompt: 'balance?',
          stopWhen: isStepCount(3),
        }),
      );
      return result.text;
    },

    /** Structured output the journaled answer cannot satisfy: it would fail the same way on every retry. */
    /** Structured output through `generateObject`, or `Output.object` with `generateText` / `streamText`. */
    async structured(ctx: restate.ObjectContext, input: { api: StructuredApi }) {
      const schema = z.object({ city: z.string() });
      const model = openai().chat(ctx.key);
      const step = { initialRetryInterval: 20 };
      let value: unknown;
      if (input.api === 'generateObject') {
        value = (
          await generateObject(withRestate(ctx, { model, schema, prompt: 'plan a trip' }, { step }))
        ).object;
      } else {
        const settings = withRestate(
          ctx,
          { model, output: Output.object({ schema }), prompt: 'plan a trip' },
          { step },
        );
        value =
          input.api === 'generateText'
            ? (await generateText(settings)).output
            : await streamText(settings).output;
      }
      await ctx.sleep(1);
      return value;
    },

    /** An option the adapter cannot honour (`timeout`), as a user may pass it. */
    async refusedOption(ctx: restate.ObjectContext) {
      const result = await generateText(
        withRestate(ctx, { model: openai().chat(ctx.key), prompt: 'hi', timeout: 5_000 }),
      );
      return result.text;
    },

    /** A handler whose prompt came in malformed (an object), as a caller may send it. */
    async malformed(ctx: restate.ObjectContext, input: { prompt: unknown }) {
      const result = await generateText(
        withRestate(ctx, { model: openai().chat(ctx.key), prompt: input.prompt as string }),
      );
      return result.text;
    },

    /** Image (three calls in parallel), speech, transcription, reranking and video, each on a local model. */
    async media(ctx: restate.ObjectContext) {
      const local = localMediaModels(ctx.key);
      const images = await generateImage({
        model: durableImageModel(ctx, local.image),
        prompt: 'a lighthouse',
        n: 3,
        maxRetries: 0,
      });
      const speech = await generateSpeech({
        model: durableSpeechModel(ctx, local.speech),
        text: 'hello',
        maxRetries: 0,
      });
      const transcript = await transcribe({
        model: durableTranscriptionModel(ctx, local.transcription),
        audio: new Uint8Array([1, 2, 3]),
        maxRetries: 0,
      });
      const ranked = await rerank({
        model: durableRerankingModel(ctx, local.reranking),
        documents: ['b', 'a'],
        query: 'a',
        maxRetries: 0,
      });
      const video = await generateVideo({
        model: durableVideoModel(ctx, local.video),
        prompt: 'waves',
        maxRetries: 0,
      });
      await ctx.sleep(1);
      return {
        images: images.images.map((image) => Array.from(image.uint8Array)),
        speech: Array.from(speech.audio.uint8Array),
        transcript: transcript.text,
        ranked: ranked.rerankedDocuments,
        video: Array.from(video.video.uint8Array),
      };
    },

    /** A UI message stream (what `useChat` reads) built from `streamText`, with a dynamic tool. */
    async uiStream(ctx: restate.ObjectContext) {
      const lookup = dynamicTool({
        description: 'A tool whose input is only known at run time (MCP-style).',
        inputSchema: textSchema,
        execute: async (input) =>
          ctx.run('lookup', () => {
            count(`${ctx.key}:lookup`);
            return `found ${(input as { text: string }).text}`;
          }),
      });
      const result = streamText(
        withRestate(ctx, {
          model: openai().chat(ctx.key),
          tools: { lookup },
          prompt: 'look it up',
          stopWhen: isStepCount(3),
        }),
      );
      const types: string[] = [];
      for await (const chunk of result.toUIMessageStream()) types.push(chunk.type);
      return { text: await result.text, types };
    },

    /** `prepareStep` picking a different (unwrapped) model for the second step, as the SDK's docs show. */
    async prepareStep(ctx: restate.ObjectContext) {
      const echo = tool({ inputSchema: textSchema, execute: async ({ text }) => text });
      const result = await generateText(
        withRestate(ctx, {
          model: openai().chat(ctx.key),
          tools: durableTools(ctx, { echo }),
          prompt: 'echo it',
          stopWhen: isStepCount(3),
          prepareStep: ({ stepNumber }) =>
            stepNumber === 1 ? { model: openai().chat(`${ctx.key}-second`) } : undefined,
        }),
      );
      return result.text;
    },

    /** `ToolLoopAgent.prepareCall` swapping in a model and tools that were never wrapped. */
    async prepareCall(ctx: restate.ObjectContext, input: { fatal: boolean; stream: boolean }) {
      const record = tool({
        inputSchema: textSchema,
        execute: async ({ text }) => {
          if (input.fatal) throw new restate.TerminalError(`refused ${text}`);
          return ctx.run('record', () => {
            count(`${ctx.key}:record`);
            return `recorded ${text}`;
          });
        },
      });
      const agent = new ToolLoopAgent(
        withRestate(ctx, {
          model: openai().chat('never-used'),
          instructions: 'Record what you are told.',
          prepareCall: (settings) => ({
            ...settings,
            // A model and tools picked per call, as the SDK's docs show for call options.
            model: openai().chat(ctx.key),
            tools: { record },
          }),
        }),
      );
      if (input.stream) return (await agent.stream({ prompt: 'record a' })).text;
      return (await agent.generate({ prompt: 'record a' })).text;
    },
  },
});

/** An embedding model computing vectors locally, two values per call, calls in parallel and slow. */
function parallelEmbeddingModel(key: string): EmbeddingModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'local',
    modelId: 'lengths',
    maxEmbeddingsPerCall: 2,
    supportsParallelCalls: true,
    async doEmbed({ values }) {
      count(`${key}:embed`);
      // The first chunk answers last.
      await pause(values[0] === 'a' ? 60 : 10);
      return {
        embeddings: values.map((value) => [value.length]),
        usage: { tokens: values.length },
        warnings: [],
      };
    },
  };
}

/** Local image, speech, transcription, reranking and video models that take time and count their calls. */
function localMediaModels(key: string) {
  const base = { specificationVersion: 'v4' as const, provider: 'local', modelId: 'm' };
  const response = () => ({ timestamp: new Date(), modelId: 'm', headers: { 'x-raw': 'bulky' } });
  let image = 0;
  return {
    image: {
      ...base,
      maxImagesPerCall: 1,
      async doGenerate() {
        count(`${key}:image`);
        const n = ++image;
        await pause(n === 1 ? 50 : 10); // the first call answers last
        return { images: [new Uint8Array([n])], warnings: [], response: response() };
      },
    } satisfies ImageModelV4,
    speech: {
      ...base,
      async doGenerate() {
        count(`${key}:speech`);
        await pause(20);
        return { audio: new Uint8Array([7, 7]), warnings: [], response: response() };
      },
    } satisfies SpeechModelV4,
    transcription: {
      ...base,
      async doGenerate() {
        count(`${key}:transcription`);
        await pause(20);
        return {
          text: 'hello there',
          segments: [],
          language: 'en',
          durationInSeconds: 1,
          warnings: [],
          response: response(),
        };
      },
    } satisfies TranscriptionModelV4,
    reranking: {
      ...base,
      async doRerank() {
        count(`${key}:rerank`);
        await pause(20);
        return {
          ranking: [
            { index: 1, relevanceScore: 0.9 },
            { index: 0, relevanceScore: 0.1 },
          ],
        };
      },
    } satisfies RerankingModelV4,
    video: {
      ...base,
      maxVideosPerCall: 1,
      async doGenerate() {
        count(`${key}:video`);
        await pause(20);
        return {
          videos: [{ type: 'binary' as const, data: new Uint8Array([9]), mediaType: 'video/mp4' }],
          warnings: [],
          response: response(),
        };
      },
    } satisfies Experimental_VideoModelV4,
  };
}

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    // A few attempts, then killed: a step's retries end the attempt (Restate retries the invocation), so
    // `disableRetries` (one attempt) would kill a durable tool's second try; a bug still fails fast.
    const env = useRestate({ alwaysReplay, maxAttempts: 10 });
    beforeAll(() => env.register({ services: [agent] }));

    const { run } = scriptedRuns({
      restate: env,
      model: mock,
      service: 'AiSdkPatterns',
      label: alwaysReplay ? 'replay' : 'normal',
    });
    const stepNames = async (invocationId: string) =>
      (await env.journal(invocationId))
        .filter((entry) => entry.type === 'Run')
        .map((entry) => entry.name ?? '');

    describe('streaming tools (async *execute)', () => {
      const script = [
        { toolCalls: [{ name: 'lookup', arguments: { text: 'order 7' } }], delayMs: 50 },
        { text: 'done', delayMs: 50 },
      ];
      for (const stream of [false, true]) {
        for (const durable of [false, true]) {
          it(`${stream ? 'streamText' : 'generateText'}, ${durable ? 'durableTool' : 'plain tool'}: the body runs and the model gets its final value`, async () => {
            const { key, result } = run<string>('streamingTool', { durable, stream }, script);
            const { output } = await result;
            expect(mock.requestsFor(key)).toHaveLength(2);
            expect(mock.requestsFor(key)[1]?.lastToolResult).toContain('found order 7');
            if (stream) expect(output).toBe(`done (${durable ? 0 : 2} preliminary)`);
            if (durable) expect(executions.get(`${key}:started`)).toBe(1);
            else expect(executions.get(`${key}:lookup`)).toBe(1);
          });
        }
      }
    });

    it('embedMany over a model with parallel calls: each chunk embedded once, in order', async () => {
      const { key, result } = run<number[][]>('embedParallel', null);
      const { invocationId, output } = await result;
      expect(output).toEqual([[1], [2], [3], [4], [5]]);
      expect(executions.get(`${key}:embed`)).toBe(3);
      expect((await stepNames(invocationId)).filter((name) => name.includes('embed'))).toHaveLength(
        3,
      );
    });

    it('an approval that arrives in the messages runs the call once, with no awakeable', async () => {
      const messages: ModelMessage[] = [
        { role: 'user', content: 'refund order 7' },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: 'call-1', toolName: 'refund', input: { text: 'o7' } },
            { type: 'tool-approval-request', approvalId: 'approval-1', toolCallId: 'call-1' },
          ],
        },
        {
          role: 'tool',
          content: [{ type: 'tool-approval-response', approvalId: 'approval-1', approved: true }],
        },
      ];
      const { key, result } = run<string>('approvedInMessages', messages, [
        { text: 'refund done', delayMs: 50 },
        { text: 'refund done', delayMs: 50 },
      ]);
      expect((await result).output).toBe('refund done');
      expect(executions.get(`${key}:approval-requested`)).toBeUndefined();
      expect(executions.get(`${key}:refund`)).toBe(1);
      expect(mock.requestsFor(key)).toHaveLength(1);
      expect(mock.requestsFor(key)[0]?.lastToolResult).toContain('refunded o7');
    });

    describe('step callbacks on replay', () => {
      for (const stream of [false, true]) {
        it(`${stream ? 'streamText' : 'generateText'}: liveOnly runs once per step, the raw callback on every replay`, async () => {
          const { key, result } = run<string>('callbacks', { stream }, [
            { toolCalls: [{ name: 'echo', arguments: { text: 'a' } }], delayMs: 30 },
            { toolCalls: [{ name: 'echo', arguments: { text: 'b' } }], delayMs: 30 },
            { text: 'echoed', delayMs: 30 },
          ]);
          expect((await result).output).toBe('echoed');
          for (const step of [0, 1, 2]) {
            expect(executions.get(`${key}:live-step-${step}`)).toBe(1);
            const raw = executions.get(`${key}:step-${step}`) ?? 0;
            if (alwaysReplay && step < 2) expect(raw).toBeGreaterThan(1);
            else expect(raw).toBeGreaterThanOrEqual(1);
          }
          expect(executions.get(`${key}:live-end`)).toBe(1);
          for (const step of [0, 1, 2]) {
            expect(executions.get(`${key}:live-telemetry-step-${step}`)).toBe(1);
            const raw = executions.get(`${key}:telemetry-step-${step}`) ?? 0;
            if (alwaysReplay && step < 2) expect(raw).toBeGreaterThan(1);
            else expect(raw).toBeGreaterThanOrEqual(1);
          }
          expect(executions.get(`${key}:live-telemetry-end`)).toBe(1);
        });
      }
    });

    for (const stream of [false, true]) {
      it(`${stream ? 'streamText' : 'generateText'}: withRestate over a durableModel does not nest steps`, async () => {
        const { key, result } = run<string>('doubleWrap', { stream }, [
          { toolCalls: [{ name: 'echo', arguments: { text: 'hi' } }], delayMs: 30 },
          { text: 'echoed', delayMs: 30 },
        ]);
        const { invocationId, output } = await result;
        expect(output).toBe('echoed');
        expect(mock.requestsFor(key)).toHaveLength(2);
        const models = (await stepNames(invocationId)).filter((name) =>
          name.startsWith('ai-sdk:model:'),
        );
        expect(models).toEqual(['ai-sdk:model:1', 'ai-sdk:model:2']);
      });
    }

    // Keys of their own, mostly waiting on step retry back-offs: these run side by side.
    describe.concurrent('a durable tool that gives up (the tool-call contract)', () => {
      it('the model reads a tool error naming the tool and the reason, and the agent goes on', async () => {
        const { key, result } = run<string>('givesUp', { onGiveUp: 'model' }, (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'flaky', arguments: { text: 'x' } }], delayMs: 30 }
            : { text: `sorry: ${request.lastToolResult ?? ''}` },
        );
        const { output } = await result;
        expect(output).toMatch(/^sorry: .*flaky.{0,4} failed: gave up after 2 attempts/);
        expect(output).toMatch(/backend down for x/);
        expect(executions.get(`${key}:flaky`)).toBe(2);
        expect(mock.requestsFor(key)).toHaveLength(2);
      });

      it("onGiveUp 'fail' ends the run instead, and the model is not asked again", async () => {
        const { key, result } = run<string>('givesUp', { onGiveUp: 'fail' }, [
          { toolCalls: [{ name: 'flaky', arguments: { text: 'x' } }], delayMs: 30 },
          { text: 'must not be reached' },
        ]);
        await expect(result).rejects.toThrow(/gave up after 2 attempts.*backend down for x/);
        expect(mock.requestsFor(key)).toHaveLength(1);
      });
    });

    for (const durable of [false, true]) {
      it(`a BigInt in a ${durable ? 'durable' : 'plain'} tool's result reaches the model as a decimal string`, async () => {
        const { key, result } = run<string>('bigint', { durable }, (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'balance', arguments: { text: 'acc-1' } }], delayMs: 30 }
            : { text: `balance ${request.lastToolResult ?? ''}` },
        );
        const { output } = await result;
        expect(output).toContain('12345678901234567890');
        expect(mock.requestsFor(key)).toHaveLength(2);
      });
    }

    describe.concurrent('structured output the answer does not satisfy (an invalid model answer)', () => {
      for (const api of ['generateObject', 'generateText', 'streamText'] as const) {
        it(`${api}: retried inside the model step, only the answer that parses is journaled`, async () => {
          const { key, result } = run<unknown>('structured', { api }, (request) =>
            request.attempt === 1
              ? { text: 'not json at all', delayMs: 30 }
              : { text: JSON.stringify({ city: 'Porto' }), delayMs: 30 },
          );
          const { invocationId, output } = await result;
          expect(output).toEqual({ city: 'Porto' });
          expect(mock.requestsFor(key)).toHaveLength(2);
          const steps = await stepNames(invocationId);
          expect(steps.filter((name) => name.startsWith('ai-sdk:model:'))).toEqual([
            'ai-sdk:model:1',
          ]);
        });

        it(`${api}: an answer that never parses ends the invocation at the step's retry cap`, async () => {
          const { key, result } = run<unknown>('structured', { api }, () => ({
            text: '{"town": 1}',
            delayMs: 30,
          }));
          await expect(result).rejects.toThrow(
            /ai-sdk:model:1.{0,4} gave up after 3 attempts; last error: invalid-response: The model's answer is not usable: the structured output cannot be read from it/,
          );
          expect(mock.requestsFor(key)).toHaveLength(3);
        });
      }
    });

    it('an option the adapter cannot honour ends the invocation at once, naming it', async () => {
      const { key, result } = run<unknown>('refusedOption', null);
      const failure = (await result.then(
        () => undefined,
        (error: unknown) => error,
      )) as Error;
      expect(failure.message).toMatch(/the AI SDK `timeout` option aborts a call/);
      expect(failure.message).toMatch(/would repeat identically on every retry/);
      expect(mock.requestsFor(key)).toHaveLength(0);
    });

    it('a malformed prompt ends the invocation before any step, naming what was wrong', async () => {
      const { key, result } = run<unknown>('malformed', { prompt: { text: 'hi' } });
      await expect(result).rejects.toThrow(/prompt must be a string or an array of messages, got/);
      expect(mock.requestsFor(key)).toHaveLength(0);
    });

    it('image, speech, transcription, reranking and video models: each call once, bytes intact', async () => {
      const { key, result } = run<Record<string, unknown>>('media', null);
      const { invocationId, output } = await result;
      // Which call's bytes come first depends on when each step ran; each image exactly once.
      expect((output.images as number[][]).flat().sort()).toEqual([1, 2, 3]);
      expect({ ...output, images: undefined }).toEqual({
        images: undefined,
        speech: [7, 7],
        transcript: 'hello there',
        ranked: ['a', 'b'],
        video: [9],
      });
      expect(executions.get(`${key}:image`)).toBe(3);
      for (const kind of ['speech', 'transcription', 'rerank', 'video']) {
        expect(executions.get(`${key}:${kind}`), kind).toBe(1);
      }
      const steps = await stepNames(invocationId);
      expect(steps.filter((name) => name === 'ai-sdk:image:m')).toHaveLength(3);
    });

    it('streamText to a UI message stream, with a dynamic tool: the chunks useChat reads, the tool once', async () => {
      const { key, result } = run<{ text: string; types: string[] }>('uiStream', null, [
        { toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }], delayMs: 30 },
        { text: 'found it', delayMs: 30 },
      ]);
      const { output } = await result;
      expect(output.text).toBe('found it');
      expect(output.types).toEqual(
        expect.arrayContaining([
          'start',
          'tool-input-available',
          'tool-output-available',
          'finish',
        ]),
      );
      expect(output.types.filter((type) => type === 'text-delta').length).toBeGreaterThan(0);
      expect(executions.get(`${key}:lookup`)).toBe(1);
      expect(mock.requestsFor(key)[1]?.lastToolResult).toContain('found o7');
    });

    it('a model prepareStep picks is journaled like the first one', async () => {
      const { key, result } = run<string>('prepareStep', null, [
        { toolCalls: [{ name: 'echo', arguments: { text: 'hi' } }], delayMs: 30 },
      ]);
      mock.conversation(`${key}-second`, [
        { text: 'unused' },
        { text: 'from the second model', delayMs: 30 },
      ]);
      const { invocationId, output } = await result;
      expect(output).toBe('from the second model');
      expect(mock.requestsFor(key)).toHaveLength(1);
      expect(mock.requestsFor(`${key}-second`)).toHaveLength(1);
      const models = (await stepNames(invocationId)).filter((name) =>
        name.startsWith('ai-sdk:model:'),
      );
      expect(models).toEqual(['ai-sdk:model:1', 'ai-sdk:model:2']);
    });

    describe('ToolLoopAgent prepareCall', () => {
      for (const stream of [false, true]) {
        it(`agent.${stream ? 'stream' : 'generate'}: the model and tools it swaps in are durable`, async () => {
          const { key, result } = run<string>('prepareCall', { fatal: false, stream }, [
            { toolCalls: [{ name: 'record', arguments: { text: 'a' } }], delayMs: 50 },
            { text: 'recorded', delayMs: 50 },
          ]);
          const { invocationId, output } = await result;
          expect(output).toBe('recorded');
          expect(mock.requestsFor(key)).toHaveLength(2);
          expect(executions.get(`${key}:record`)).toBe(1);
          const models = (await stepNames(invocationId)).filter((name) =>
            name.startsWith('ai-sdk:'),
          );
          expect(models).toHaveLength(2);
        });

        it(`agent.${stream ? 'stream' : 'generate'}: a TerminalError from a swapped-in tool ends the run`, async () => {
          const { key, result } = run<string>('prepareCall', { fatal: true, stream }, [
            { toolCalls: [{ name: 'record', arguments: { text: 'a' } }], delayMs: 50 },
            { text: 'must not be reached' },
          ]);
          await expect(result).rejects.toThrow(/refused a/);
          expect(mock.requestsFor(key)).toHaveLength(1);
        });
      }
    });
  });
}
