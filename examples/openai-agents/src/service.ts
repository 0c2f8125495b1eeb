/**
 * A support agent written with the OpenAI Agents SDK, made durable with @restate-agents/openai-agents:
 * `DurableRunner` journals every model call, this package's `tool()` keeps Restate's errors out of the
 * model's hands, the refund tool `needsApproval` (paused on an awakeable), side effects are journaled steps,
 * and the conversation is a `RestateSession`. Run it with `pnpm demo --sdk openai-agents`.
 */
import { Agent } from '@openai/agents-core';
import { OpenAIProvider } from '@openai/agents-openai';
import { agentRetryPolicy } from '@restate-agents/core';
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
  timedStep,
} from '@restate-agents/example-demo';
import { DurableRunner, RestateSession, restateContext, tool } from '@restate-agents/openai-agents';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';

const provider = new OpenAIProvider({
  baseURL: process.env[DEMO_ENV.openaiBaseUrl],
  apiKey: process.env[DEMO_ENV.openaiApiKey] ?? 'scripted',
  useResponses: false,
});

const lookupOrder = tool({
  name: 'lookup_order',
  description: DEMO_TOOLS.lookup_order.description,
  parameters: z.object({ orderId: z.string() }),
  execute: (_args, runContext) =>
    timedStep('tool', 'lookup_order', (ran) =>
      restateContext(runContext).run('tool:lookup_order', () => {
        ran();
        return JSON.stringify(DEMO_ORDER);
      }),
    ),
});

const issueRefund = tool({
  name: 'issue_refund',
  description: DEMO_TOOLS.issue_refund.description,
  parameters: z.object({ orderId: z.string(), amount: z.number() }),
  // Paused on an awakeable by the DurableRunner; the id goes to approval.onRequest below.
  needsApproval: true,
  execute: async ({ orderId, amount }, runContext) => {
    await timedStep('tool', 'issue_refund', (ran) =>
      restateContext(runContext).run('tool:issue_refund', async () => {
        ran();
        await recordSideEffect('refund', { orderId, amount });
      }),
    );
    crashPoint(DEMO_CRASH_POINT);
    return `Refunded ${amount} on ${orderId}`;
  },
});

const sendEmail = tool({
  name: 'send_email',
  description: DEMO_TOOLS.send_email.description,
  parameters: z.object({ to: z.string(), subject: z.string() }),
  execute: async ({ to, subject }, runContext) => {
    await timedStep('tool', 'send_email', (ran) =>
      restateContext(runContext).run('tool:send_email', async () => {
        ran();
        await recordSideEffect('email', { to, subject });
      }),
    );
    crashPoint(DEMO_CRASH_POINT);
    return `Emailed ${to}`;
  },
});

const supportAgent = restate.object({
  name: DEMO_OBJECT,
  handlers: {
    [DEMO_HANDLER]: async (ctx: restate.ObjectContext, message: string): Promise<string> => {
      const agent = new Agent({
        name: 'support',
        instructions: DEMO_SYSTEM_PROMPT,
        model: process.env[DEMO_ENV.model] ?? 'gpt-4o-mini',
        tools: [lookupOrder, issueRefund, sendEmail],
      });
      const runner = new DurableRunner(ctx, {
        modelProvider: provider,
        approval: { onRequest: ({ id, details }) => announceApproval(id, details) },
      });
      const result = await runner.run(agent, message, { session: new RestateSession(ctx) });
      return String(result.finalOutput ?? '');
    },
  },
  // Retries of a whole attempt (crashes, restarts) with back-off, then kill rather than pause.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportAgent], port: Number(process.env.PORT ?? 9080) });
