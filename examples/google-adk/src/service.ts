/**
 * A support agent on Google's Agent Development Kit (ADK) for TypeScript, made durable with
 * @restate-agents/google-adk: the agent and its tools are declared once, at module level, as ADK's docs do;
 * `withRestate(ctx, agent)` clones the tree for this invocation with every model call a journaled step and the
 * tools' Restate errors kept from the model; `durableTool` makes each whole-call tool one step; the refund
 * (`requireConfirmation`) waits for a human on an awakeable (`RestatePlugin`'s approval) and journals its own
 * side effect with the invocation's context from `restateContext`. The conversation is an ADK session in
 * Virtual Object state (`RestateSessionService`). Run it with `pnpm demo --sdk google-adk`.
 */
import { FunctionTool, Gemini, LlmAgent, Runner } from '@google/adk';
import { agentRetryPolicy, durableStep } from '@restate-agents/core';
import {
  announceApproval,
  DEMO_CRASH_POINT,
  DEMO_ENV,
  DEMO_HANDLER,
  DEMO_OBJECT,
  DEMO_ORDER,
  DEMO_SYSTEM_PROMPT,
  DEMO_TOOLS,
  recordSideEffect,
  reportEvent,
} from '@restate-agents/example-demo';
import {
  durableTool,
  RestatePlugin,
  RestateSessionService,
  restateContext,
  runDurably,
  withRestate,
} from '@restate-agents/google-adk';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';

const ran = (name: string) => reportEvent({ kind: 'tool', name, replayed: false });
const baseUrl = process.env[DEMO_ENV.geminiBaseUrl];

const supportAgent = new LlmAgent({
  name: 'support',
  instruction: DEMO_SYSTEM_PROMPT,
  // The scripted model speaks the Gemini API; with GEMINI_API_KEY set and no DEMO_GEMINI_BASE_URL, Google's.
  model: new Gemini({
    model: process.env[DEMO_ENV.model] ?? 'gemini-2.5-flash',
    apiKey: process.env.GEMINI_API_KEY ?? 'scripted',
  }),
  ...(baseUrl === undefined ? {} : { generateContentConfig: { httpOptions: { baseUrl } } }),
  tools: [
    // Whole-call tools: each execution is one journaled step keyed by the function-call id.
    durableTool(
      new FunctionTool({
        name: 'lookup_order',
        description: DEMO_TOOLS.lookup_order.description,
        parameters: z.object({ orderId: z.string() }),
        execute: async ({ orderId }) => {
          ran('lookup_order');
          return { ...DEMO_ORDER, orderId };
        },
      }),
    ),
    durableTool(
      new FunctionTool({
        name: 'send_email',
        description: DEMO_TOOLS.send_email.description,
        parameters: z.object({ to: z.string(), subject: z.string() }),
        execute: async ({ to, subject }) => {
          ran('send_email');
          await recordSideEffect('email', { to, subject });
          return `Emailed ${to}`;
        },
      }),
    ),
    // Needs a human: RestatePlugin asks on an awakeable. Journals its own step, then passes the crash point.
    new FunctionTool({
      name: 'issue_refund',
      description: DEMO_TOOLS.issue_refund.description,
      parameters: z.object({ orderId: z.string(), amount: z.number() }),
      requireConfirmation: true,
      execute: async ({ orderId, amount }, toolContext) => {
        await durableStep(restateContext(toolContext), 'tool:issue_refund', async () => {
          ran('issue_refund');
          await recordSideEffect('refund', { orderId, amount });
        });
        crashPoint(DEMO_CRASH_POINT);
        return `Refunded ${amount} on ${orderId}`;
      },
    }),
  ],
});

const supportService = restate.object({
  name: DEMO_OBJECT,
  handlers: {
    [DEMO_HANDLER]: async (ctx: restate.ObjectContext, message: string): Promise<string> => {
      const runner = new Runner({
        appName: 'support',
        agent: withRestate(ctx, supportAgent),
        sessionService: new RestateSessionService(ctx),
        plugins: [
          new RestatePlugin(ctx, {
            approval: { onRequest: ({ id, details }) => announceApproval(id, details.args) },
          }),
        ],
      });
      const { text } = await runDurably(runner, {
        userId: ctx.key,
        sessionId: ctx.key,
        newMessage: { role: 'user', parts: [{ text: message }] },
      });
      return text;
    },
  },
  // Killed with its last error once its attempts run out, never left paused waiting for a human.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportService], port: Number(process.env.PORT ?? 9080) });
