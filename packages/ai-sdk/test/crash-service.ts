/**
 * Services for crash.test.ts, run in a child process the test SIGKILLs at a crash point and restarts:
 * patterns of the AI SDK's docs, each with a side effect posted to the ledger (exactly once, whatever
 * crashes) and a crash point right after it is journaled.
 */
import { createOpenAI } from '@ai-sdk/openai';
import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import {
  embedMany,
  generateText,
  isStepCount,
  type JSONSchema7,
  jsonSchema,
  type ModelMessage,
  streamText,
  ToolLoopAgent,
  tool,
} from 'ai';
import { durableEmbeddingModel, durableTool, withRestate } from '../src/index.js';

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});
const textSchema = jsonSchema<{ text: string }>({
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
} as JSONSchema7);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A side effect: one ledger entry per execution. */
const effect = (session: string, what: string) => postToLedger('effect', { session, what });

const crashAgent = restate.object({
  name: 'AiSdkCrash',
  handlers: {
    /** A plain streaming tool doing its own durable step; the process dies right after that step. */
    async streamingTool(ctx: restate.ObjectContext): Promise<string> {
      const lookup = tool({
        inputSchema: textSchema,
        async *execute({ text }) {
          yield { status: 'looking up' };
          const found = await ctx.run('lookup', async () => {
            await effect(ctx.key, 'lookup');
            return `found ${text}`;
          });
          crashPoint('after-lookup');
          yield { status: 'done', found };
        },
      });
      const result = streamText(
        withRestate(ctx, {
          model: openai.chat(ctx.key),
          tools: { lookup },
          prompt: 'look it up',
          stopWhen: isStepCount(3),
        }),
      );
      return result.text;
    },

    /** The `useChat` approval flow: approved in the messages; the process dies after the refund step. */
    async approvedInMessages(
      ctx: restate.ObjectContext,
      messages: ModelMessage[],
    ): Promise<string> {
      const refund = durableTool(
        ctx,
        tool({
          inputSchema: textSchema,
          execute: async ({ text }) => {
            await effect(ctx.key, 'refund');
            return `refunded ${text}`;
          },
        }),
        { name: 'refund' },
      );
      const result = await generateText(
        withRestate(
          ctx,
          {
            model: openai.chat(ctx.key),
            tools: {
              refund: tool({
                inputSchema: textSchema,
                execute: async (input, options) => {
                  const value = await refund.execute?.(input, options);
                  crashPoint('after-refund');
                  return value;
                },
              }),
            },
            toolApproval: { refund: 'user-approval' as const },
            messages,
            stopWhen: isStepCount(3),
          },
          { approval: { onRequest: () => effect(ctx.key, 'approval-requested') } },
        ),
      );
      return result.text;
    },

    /** `ToolLoopAgent.prepareCall` swapping in a model and tools; the process dies after the tool's step. */
    async prepareCall(ctx: restate.ObjectContext): Promise<string> {
      const record = tool({
        inputSchema: textSchema,
        execute: async ({ text }) => {
          const value = await ctx.run('record', async () => {
            await effect(ctx.key, 'record');
            return `recorded ${text}`;
          });
          crashPoint('after-record');
          return value;
        },
      });
      const agent = new ToolLoopAgent(
        withRestate(ctx, {
          model: openai.chat('never-used'),
          instructions: 'Record what you are told.',
          prepareCall: (settings) => ({
            ...settings,
            model: openai.chat(ctx.key),
            tools: { record },
          }),
        }),
      );
      return (await agent.generate({ prompt: 'record a' })).text;
    },

    /** `embedMany` with parallel chunks; the process dies after the embeddings are journaled. */
    async embedParallel(ctx: restate.ObjectContext): Promise<number[][]> {
      const model: EmbeddingModelV4 = {
        specificationVersion: 'v4',
        provider: 'local',
        modelId: 'lengths',
        maxEmbeddingsPerCall: 2,
        supportsParallelCalls: true,
        async doEmbed({ values }) {
          await effect(ctx.key, 'embed');
          await pause(values[0] === 'a' ? 60 : 10);
          return { embeddings: values.map((value) => [value.length]), warnings: [] };
        },
      };
      const { embeddings } = await embedMany({
        model: durableEmbeddingModel(ctx, model),
        values: ['a', 'bb', 'ccc', 'dddd', 'eeeee'],
        maxRetries: 0,
      });
      crashPoint('after-embed');
      await ctx.sleep(1);
      return embeddings;
    },
  },
});

await restate.serve({ services: [crashAgent], port: Number(process.env.PORT) });
