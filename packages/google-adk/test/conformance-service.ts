/**
 * The conformance service for the Google ADK adapter: an `LlmAgent` on ADK's own `Gemini` model (real
 * `@google/genai` over HTTP to the scripted model's Gemini API) made durable with `withRestate`, run by a
 * `Runner` with `RestatePlugin` and `RestateSessionService` through `runDurably` (`streamingMode: 'sse'`
 * when the input asks to stream). `give_up` is a `durableTool`; `record` and `slow` do their own durable
 * steps with `restateContext`; `approve_action` has `requireConfirmation` and is decided on an awakeable.
 * `modelAttemptTimeoutMs` becomes the model steps' `attemptTimeout`.
 *
 * The conformance suite runs this file in a child process it can SIGKILL (see driver.ts).
 */
import { FunctionTool, Gemini, LlmAgent, Runner, StreamingMode } from '@google/adk';
import { durableStep, toolStepName } from '@restate-agents/core';
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
  durableTool,
  RestatePlugin,
  RestateSessionService,
  restateContext,
  runDurably,
  SDK,
  withRestate,
} from '../src/index.js';

const baseUrl = process.env[CONFORMANCE_ENV.geminiBaseUrl];

// Declared once, at module level: tools find the invocation's context through restateContext.
const tools = [
  new FunctionTool({
    name: CONFORMANCE_TOOLS.record,
    description: 'Records an id.',
    parameters: z.object({ id: z.string() }),
    execute: async ({ id }, toolContext) => {
      const ctx = restateContext<restate.ObjectContext>(toolContext);
      await durableStep(ctx, toolStepName(SDK, 'record', toolContext?.functionCallId ?? ''), () =>
        postToLedger('record', { session: ctx.key, id }),
      );
      crashPoint(CRASH_AFTER_SIDE_EFFECT);
      return `recorded ${id}`;
    },
  }),
  new FunctionTool({
    name: CONFORMANCE_TOOLS.failTerminal,
    description: 'Fails.',
    parameters: z.object({ message: z.string() }),
    execute: async ({ message }): Promise<string> => {
      throw new restate.TerminalError(message);
    },
  }),
  new FunctionTool({
    name: CONFORMANCE_TOOLS.slow,
    description: 'Takes an hour.',
    parameters: z.object({}),
    execute: async (_args, toolContext) => {
      const ctx = restateContext<restate.ObjectContext>(toolContext);
      await durableStep(ctx, 'tool:slow:started', () =>
        postToLedger('event', { session: ctx.key, event: 'slow-started' }),
      );
      await ctx.sleep({ hours: 1 });
      return 'done';
    },
  }),
  new FunctionTool({
    name: CONFORMANCE_TOOLS.approveAction,
    description: 'Does an action a human approves.',
    parameters: z.object({ action: z.string() }),
    requireConfirmation: true,
    execute: async ({ action }) => `approved ${action}`,
  }),
  new FunctionTool({
    name: CONFORMANCE_TOOLS.echo,
    description: 'Echoes.',
    parameters: z.object({ text: z.string() }),
    execute: async ({ text }) => text,
  }),
  durableTool(
    new FunctionTool({
      name: CONFORMANCE_TOOLS.giveUp,
      description: 'Gives up.',
      parameters: z.object({ message: z.string(), terminal: z.boolean() }),
      execute: async ({ message, terminal }, toolContext): Promise<string> => {
        await postToLedger(GIVE_UP_ATTEMPT, {
          session: restateContext<restate.ObjectContext>(toolContext).key,
          tool: CONFORMANCE_TOOLS.giveUp,
        });
        throw terminal ? new restate.TerminalError(message) : new Error(message);
      },
    }),
  ),
];

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: ConformanceInput): Promise<ConformanceOutput> {
      const agent = new LlmAgent({
        name: 'conformance',
        instruction: 'You are the conformance agent.',
        model: new Gemini({ model: input.model, apiKey: 'scripted' }),
        generateContentConfig: { httpOptions: { ...(baseUrl === undefined ? {} : { baseUrl }) } },
        tools,
      });
      const runner = new Runner({
        appName: 'conformance',
        agent: withRestate(
          ctx,
          agent,
          input.modelAttemptTimeoutMs === undefined
            ? {}
            : { model: { step: { attemptTimeout: input.modelAttemptTimeoutMs } } },
        ),
        sessionService: new RestateSessionService(ctx),
        plugins: [
          new RestatePlugin(ctx, {
            approval: {
              onRequest: ({ id, details }) =>
                postToLedger('approval', {
                  session: ctx.key,
                  approvalId: id,
                  action: String(details.args.action),
                }),
              rejectionMessage: (details) => `rejected ${String(details.args.action)}`,
            },
          }),
        ],
      });
      const { text } = await runDurably(runner, {
        userId: 'conformance',
        sessionId: ctx.key,
        newMessage: { role: 'user', parts: [{ text: input.prompt }] },
        ...(input.stream === true ? { runConfig: { streamingMode: StreamingMode.SSE } } : {}),
      });
      return { text };
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
