/**
 * The conformance service for the Mastra adapter: a Mastra `Agent` on `durableModel` (`@ai-sdk/openai`, Chat
 * Completions or Responses by `MASTRA_OPENAI_API`) against the scripted model, run through `durableAgent`:
 * `generate`, or `stream` (by `MASTRA_API` or the input's `stream` flag). `record` and `give_up` are
 * `durableTool`s; `slow` does its own durable steps with `restateContext`; `approve_action` is selected by
 * `requireToolApproval` and decided on an awakeable. History is Mastra memory on `RestateMemoryStorage`.
 * `modelAttemptTimeoutMs` becomes the model steps' `attemptTimeout`.
 *
 * The conformance suite runs this file in a child process it can SIGKILL (see driver.ts).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { Memory } from '@mastra/memory';
import { durableStep } from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_OBJECT,
  CONFORMANCE_TOOLS,
  type ConformanceInput,
  type ConformanceOutput,
  CRASH_AFTER_SIDE_EFFECT,
  GIVE_UP_ATTEMPT,
  postToLedger,
} from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import {
  durableAgent,
  durableModel,
  durableTool,
  RestateMemoryStorage,
  restateContext,
} from '../src/index.js';

// Which flavour this process serves (set by test/driver.ts).
const useResponses = process.env.MASTRA_OPENAI_API === 'responses';
const alwaysStream = process.env.MASTRA_API === 'stream';

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: process.env.OPENAI_API_KEY ?? 'scripted',
});

// Declared once: durable tools find the invocation's context in the run's request context.
const recordSideEffect = durableTool(
  createTool({
    id: CONFORMANCE_TOOLS.record,
    description: 'Records an id.',
    inputSchema: z.object({ id: z.string() }),
    execute: async ({ id }, context) => {
      await postToLedger('record', {
        session: restateContext<restate.ObjectContext>(context).key,
        id,
      });
      return `recorded ${id}`;
    },
  }),
);

const tools = {
  [CONFORMANCE_TOOLS.record]: createTool({
    id: CONFORMANCE_TOOLS.record,
    description: 'Records an id.',
    inputSchema: z.object({ id: z.string() }),
    execute: async (input, context) => {
      const result = await recordSideEffect.execute?.(input, context);
      crashPoint(CRASH_AFTER_SIDE_EFFECT);
      return result;
    },
  }),
  [CONFORMANCE_TOOLS.failTerminal]: createTool({
    id: CONFORMANCE_TOOLS.failTerminal,
    description: 'Fails.',
    inputSchema: z.object({ message: z.string() }),
    execute: async ({ message }): Promise<string> => {
      throw new restate.TerminalError(message);
    },
  }),
  [CONFORMANCE_TOOLS.slow]: createTool({
    id: CONFORMANCE_TOOLS.slow,
    description: 'Takes an hour.',
    inputSchema: z.object({}),
    execute: async (_input, context) => {
      const ctx = restateContext<restate.ObjectContext>(context);
      await durableStep(ctx, 'tool:slow:started', () =>
        postToLedger('event', { session: ctx.key, event: 'slow-started' }),
      );
      await ctx.sleep({ hours: 1 });
      return 'done';
    },
  }),
  [CONFORMANCE_TOOLS.approveAction]: createTool({
    id: CONFORMANCE_TOOLS.approveAction,
    description: 'Does an action a human approves.',
    inputSchema: z.object({ action: z.string() }),
    execute: async ({ action }) => `approved ${action}`,
  }),
  [CONFORMANCE_TOOLS.echo]: createTool({
    id: CONFORMANCE_TOOLS.echo,
    description: 'Echoes.',
    inputSchema: z.object({ text: z.string() }),
    execute: async ({ text }) => text,
  }),
  [CONFORMANCE_TOOLS.giveUp]: durableTool(
    createTool({
      id: CONFORMANCE_TOOLS.giveUp,
      description: 'Gives up.',
      inputSchema: z.object({ message: z.string(), terminal: z.boolean() }),
      execute: async ({ message, terminal }, context): Promise<string> => {
        await postToLedger(GIVE_UP_ATTEMPT, {
          session: restateContext<restate.ObjectContext>(context).key,
          tool: CONFORMANCE_TOOLS.giveUp,
        });
        throw terminal ? new restate.TerminalError(message) : new Error(message);
      },
    }),
  ),
};

/** The last model answer: Mastra's `text` joins the text of every step ("Recording a.Both recorded."). */
function finalText(steps: readonly { text?: string }[]): string {
  return steps.at(-1)?.text ?? '';
}

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: ConformanceInput): Promise<ConformanceOutput> {
      const agent = new Agent({
        id: 'conformance',
        name: 'conformance',
        instructions: 'You are the conformance agent.',
        model: durableModel(
          ctx,
          useResponses ? openai.responses(input.model) : openai.chat(input.model),
          input.modelAttemptTimeoutMs === undefined
            ? {}
            : { step: { attemptTimeout: input.modelAttemptTimeoutMs } },
        ),
        tools,
        // The conversation: Mastra memory whose storage is this object's state.
        memory: new Memory({
          storage: new RestateMemoryStorage(ctx),
          options: { lastMessages: 50 },
        }),
      });
      const durable = durableAgent(ctx, agent, {
        approval: {
          onRequest: ({ id, details }) =>
            postToLedger('approval', {
              session: ctx.key,
              approvalId: id,
              action: (details.input as { action: string }).action,
            }),
          rejectionMessage: (details) => `rejected ${(details.input as { action: string }).action}`,
        },
      });
      const callOptions = {
        maxSteps: 10,
        memory: { thread: ctx.key, resource: 'conformance' },
        requireToolApproval: ({ toolName }: { toolName: string }) =>
          toolName === CONFORMANCE_TOOLS.approveAction,
        // Without `store: false` the Responses provider sends earlier turns as item references, which
        // only OpenAI's server (not the scripted one) can resolve.
        ...(useResponses && { providerOptions: { openai: { store: false } } }),
      };
      if (alwaysStream || input.stream === true) {
        const output = await durable.stream(input.prompt, callOptions);
        for await (const _chunk of output.textStream) {
          // Read to the end, as a client would.
        }
        await output.text;
        return { text: finalText(await output.steps) };
      }
      const result = await durable.generate(input.prompt, callOptions);
      return { text: finalText(result.steps) };
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
