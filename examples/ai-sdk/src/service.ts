/**
 * A support agent on the Vercel AI SDK, made durable with @restate-agents/ai-sdk: `withRestate` journals
 * every model call, keeps tools in model order and lets a TerminalError end the run; `durableTools` makes
 * each whole-call tool one step; the refund journals its own side effect and needs a human's approval
 * (paused on an awakeable); the conversation is kept with `chatHistory`. Run it with `pnpm demo --sdk ai-sdk`.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { chatHistory, durableTools, withRestate } from '@restate-agents/ai-sdk';
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
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { generateText, isStepCount, tool } from 'ai';
import { z } from 'zod';

const openai = createOpenAI({
  baseURL: process.env[DEMO_ENV.openaiBaseUrl],
  apiKey: process.env[DEMO_ENV.openaiApiKey] ?? 'scripted',
});
const ran = (name: string) => reportEvent({ kind: 'tool', name, replayed: false });

function tools(ctx: restate.ObjectContext) {
  return {
    // Whole-call tools: each execution is one journaled step keyed by the tool call id.
    ...durableTools(ctx, {
      lookup_order: tool({
        description: DEMO_TOOLS.lookup_order.description,
        inputSchema: z.object({ orderId: z.string() }),
        execute: ({ orderId }) => {
          ran('lookup_order');
          return JSON.stringify({ ...DEMO_ORDER, orderId });
        },
      }),
      send_email: tool({
        description: DEMO_TOOLS.send_email.description,
        inputSchema: z.object({ to: z.string(), subject: z.string() }),
        execute: async ({ to, subject }) => {
          ran('send_email');
          await recordSideEffect('email', { to, subject });
          return `Emailed ${to}`;
        },
      }),
    }),
    // A tool that journals its own step with ctx, then passes the demo's crash point.
    issue_refund: tool({
      description: DEMO_TOOLS.issue_refund.description,
      inputSchema: z.object({ orderId: z.string(), amount: z.number() }),
      execute: async ({ orderId, amount }) => {
        await durableStep(ctx, 'tool:issue_refund', async () => {
          ran('issue_refund');
          await recordSideEffect('refund', { orderId, amount });
        });
        crashPoint(DEMO_CRASH_POINT);
        return `Refunded ${amount} on ${orderId}`;
      },
    }),
  };
}

const supportAgent = restate.object({
  name: DEMO_OBJECT,
  handlers: {
    [DEMO_HANDLER]: async (ctx: restate.ObjectContext, message: string): Promise<string> => {
      const history = chatHistory(ctx);
      await history.append({ role: 'user', content: message });
      const result = await generateText(
        withRestate(
          ctx,
          {
            model: openai.chat(process.env[DEMO_ENV.model] ?? 'gpt-4o-mini'),
            system: DEMO_SYSTEM_PROMPT,
            messages: await history.read(),
            tools: tools(ctx),
            toolApproval: { issue_refund: 'user-approval' as const },
            stopWhen: isStepCount(8),
          },
          { approval: { onRequest: ({ id, details }) => announceApproval(id, details.input) } },
        ),
      );
      await history.append(...result.response.messages);
      return result.text;
    },
  },
  // Killed with its last error once its attempts run out, never left paused waiting for a human.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportAgent], port: Number(process.env.PORT ?? 9080) });
