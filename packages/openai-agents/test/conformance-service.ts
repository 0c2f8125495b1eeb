/**
 * The conformance service for this adapter: the contract's `ConformanceAgent` Virtual Object, written with
 * the OpenAI Agents SDK as a user would write it, made durable with `DurableRunner`, this package's
 * `tool()`, `restateContext`, `RestateSession` and approvals. The model is the SDK's real `OpenAIProvider`
 * (Responses API, or Chat Completions when `OPENAI_AGENTS_API=chat`) talking HTTP to the scripted server.
 */
import { Agent } from '@openai/agents-core';
import { OpenAIProvider } from '@openai/agents-openai';
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
import { DurableRunner, durableTool, RestateSession, restateContext, tool } from '../src/index.js';

const provider = new OpenAIProvider({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
  useResponses: process.env.OPENAI_AGENTS_API !== 'chat',
});

const objectContext = (runContext: Parameters<typeof restateContext>[0]) =>
  restateContext<restate.ObjectContext>(runContext);

const tools = [
  tool({
    name: CONFORMANCE_TOOLS.record,
    description: 'Record an id',
    parameters: z.object({ id: z.string() }),
    execute: async ({ id }, runContext) => {
      const ctx = objectContext(runContext);
      await durableStep(ctx, 'record', () => postToLedger('record', { session: ctx.key, id }));
      crashPoint(CRASH_AFTER_SIDE_EFFECT);
      return `recorded ${id}`;
    },
  }),
  tool({
    name: CONFORMANCE_TOOLS.failTerminal,
    description: 'Fail for good',
    parameters: z.object({ message: z.string() }),
    execute: ({ message }) => {
      throw new restate.TerminalError(message);
    },
  }),
  tool({
    name: CONFORMANCE_TOOLS.slow,
    description: 'Take an hour',
    parameters: z.object({}),
    execute: async (_input, runContext) => {
      const ctx = objectContext(runContext);
      await durableStep(ctx, 'slow-started', () =>
        postToLedger('event', { session: ctx.key, event: 'slow-started' }),
      );
      await ctx.sleep({ hours: 1 });
      return 'done';
    },
  }),
  tool({
    name: CONFORMANCE_TOOLS.approveAction,
    description: 'Do something a human must approve',
    parameters: z.object({ action: z.string() }),
    needsApproval: true,
    execute: ({ action }) => `approved ${action}`,
  }),
  // A durable tool (its whole body one step, core's durableToolStep): every attempt is posted, then fails.
  durableTool({
    name: CONFORMANCE_TOOLS.giveUp,
    description: 'Try something that fails',
    parameters: z.object({ message: z.string(), terminal: z.boolean() }),
    execute: async ({ message, terminal }, runContext) => {
      const ctx = objectContext(runContext);
      await postToLedger(GIVE_UP_ATTEMPT, { session: ctx.key, tool: CONFORMANCE_TOOLS.giveUp });
      if (terminal) throw new restate.TerminalError(message);
      throw new Error(message);
    },
  }),
  tool({
    name: CONFORMANCE_TOOLS.echo,
    description: 'Echo text',
    parameters: z.object({ text: z.string() }),
    execute: ({ text }) => text,
  }),
];

const actionOf = (json: string | undefined): string => {
  try {
    return String((JSON.parse(json ?? '{}') as { action?: unknown }).action);
  } catch {
    return 'unknown';
  }
};

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: ConformanceInput): Promise<ConformanceOutput> {
      const agent = new Agent({
        name: 'conformance',
        instructions: 'Use the tools you are asked to use.',
        model: input.model,
        tools,
      });
      const runner = new DurableRunner(ctx, {
        modelProvider: provider,
        ...(input.modelAttemptTimeoutMs !== undefined && {
          step: { attemptTimeout: input.modelAttemptTimeoutMs },
        }),
        approval: {
          onRequest: ({ id, details }) =>
            postToLedger('approval', {
              session: ctx.key,
              approvalId: id,
              action: actionOf(details.arguments),
            }),
          rejectionMessage: (request) => `rejected ${actionOf(request.arguments)}`,
        },
      });
      const session = new RestateSession(ctx);
      if (input.stream) {
        const result = await runner.run(agent, input.prompt, { session, stream: true });
        for await (const _chunk of result.toTextStream()) {
          // Consumed as a user would; the text is journaled once inside the model step.
        }
        await result.completed;
        return { text: String(result.finalOutput ?? '') };
      }
      const result = await runner.run(agent, input.prompt, { session });
      return { text: String(result.finalOutput ?? '') };
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
