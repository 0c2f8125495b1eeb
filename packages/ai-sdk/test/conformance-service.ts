/**
 * The conformance service for the AI SDK adapter: `generateText` (or `streamText`, by `AI_SDK_API` or the
 * input's `stream` flag) through `@ai-sdk/openai` against the scripted model, made durable by `withRestate`.
 * `record` and `give_up` are `durableTool`s; `slow` does its own durable steps with `ctx` by closure;
 * `approve_action` needs approval through the SDK's `toolApproval`, decided on an awakeable. History is
 * `chatHistory`. `modelAttemptTimeoutMs` becomes the model steps' `attemptTimeout`.
 *
 * The conformance suite runs this file in a child process it can SIGKILL (see driver.ts).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { durableStep } from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_OBJECT,
  CONFORMANCE_TOOL_SCHEMAS,
  CONFORMANCE_TOOLS,
  type ConformanceInput,
  type ConformanceOutput,
  CRASH_AFTER_SIDE_EFFECT,
  GIVE_UP_ATTEMPT,
  postToLedger,
} from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { generateText, isStepCount, type JSONSchema7, jsonSchema, streamText, tool } from 'ai';
import { chatHistory, durableTool, withRestate } from '../src/index.js';

// Which flavour this process serves (set by test/driver.ts).
const useResponses = process.env.AI_SDK_OPENAI_API === 'responses';
const alwaysStream = process.env.AI_SDK_API === 'streamText';

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: process.env.OPENAI_API_KEY ?? 'scripted',
});
const schema = <T>(name: keyof typeof CONFORMANCE_TOOL_SCHEMAS) =>
  jsonSchema<T>(CONFORMANCE_TOOL_SCHEMAS[name] as JSONSchema7);

function conformanceTools(ctx: restate.ObjectContext) {
  const session = ctx.key;
  const recordSideEffect = durableTool(
    ctx,
    tool({
      inputSchema: schema<{ id: string }>('record'),
      execute: async ({ id }) => {
        await postToLedger('record', { session, id });
        return `recorded ${id}`;
      },
    }),
    { name: CONFORMANCE_TOOLS.record },
  );
  return {
    [CONFORMANCE_TOOLS.record]: tool({
      inputSchema: schema<{ id: string }>('record'),
      execute: async (input, options) => {
        const result = await recordSideEffect.execute?.(input, options);
        crashPoint(CRASH_AFTER_SIDE_EFFECT);
        return result;
      },
    }),
    [CONFORMANCE_TOOLS.failTerminal]: tool({
      inputSchema: schema<{ message: string }>('fail_terminal'),
      execute: async ({ message }): Promise<string> => {
        throw new restate.TerminalError(message);
      },
    }),
    [CONFORMANCE_TOOLS.slow]: tool({
      inputSchema: schema<Record<string, never>>('slow'),
      execute: async () => {
        await durableStep(ctx, 'tool:slow:started', () =>
          postToLedger('event', { session, event: 'slow-started' }),
        );
        await ctx.sleep({ hours: 1 });
        return 'done';
      },
    }),
    [CONFORMANCE_TOOLS.approveAction]: tool({
      inputSchema: schema<{ action: string }>('approve_action'),
      execute: async ({ action }) => `approved ${action}`,
    }),
    [CONFORMANCE_TOOLS.echo]: tool({
      inputSchema: schema<{ text: string }>('echo'),
      execute: async ({ text }) => text,
    }),
    [CONFORMANCE_TOOLS.giveUp]: durableTool(
      ctx,
      tool({
        inputSchema: schema<{ message: string; terminal: boolean }>('give_up'),
        execute: async ({ message, terminal }): Promise<string> => {
          await postToLedger(GIVE_UP_ATTEMPT, { session, tool: CONFORMANCE_TOOLS.giveUp });
          throw terminal ? new restate.TerminalError(message) : new Error(message);
        },
      }),
      { name: CONFORMANCE_TOOLS.giveUp },
    ),
  };
}

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: ConformanceInput): Promise<ConformanceOutput> {
      const history = chatHistory(ctx);
      await history.append({ role: 'user', content: input.prompt });
      const settings = withRestate(
        ctx,
        {
          model: useResponses ? openai.responses(input.model) : openai.chat(input.model),
          tools: conformanceTools(ctx),
          messages: await history.read(),
          stopWhen: isStepCount(10),
          // Without `store: false` the Responses provider sends earlier turns as item references, which
          // only OpenAI's server (not the scripted one) can resolve.
          ...(useResponses && { providerOptions: { openai: { store: false } } }),
          toolApproval: { [CONFORMANCE_TOOLS.approveAction]: 'user-approval' as const },
        },
        {
          approval: {
            onRequest: ({ id, details }) =>
              postToLedger('approval', {
                session: ctx.key,
                approvalId: id,
                action: (details.input as { action: string }).action,
              }),
            rejectionMessage: (details) =>
              `rejected ${(details.input as { action: string }).action}`,
          },
          ...(input.modelAttemptTimeoutMs !== undefined && {
            step: { attemptTimeout: input.modelAttemptTimeoutMs },
          }),
        },
      );
      if (alwaysStream || input.stream === true) {
        const result = streamText(settings);
        const text = await result.text;
        await history.append(...(await result.response).messages);
        return { text };
      }
      const result = await generateText(settings);
      await history.append(...result.response.messages);
      return { text: result.text };
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
