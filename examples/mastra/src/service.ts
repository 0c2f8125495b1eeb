/**
 * A support agent on Mastra, made durable with @restate-agents/mastra: the agent is declared once, at module
 * level, as Mastra's docs do; `restateModel` journals every model call of the run, `durableTools` makes each
 * whole-call tool one step, and `durableAgent` keeps tools in model order, lets a TerminalError end the run
 * and asks a human to approve the refund on an awakeable (`requireToolApproval`). The refund journals its
 * own side effect with the invocation's context from `restateContext`. The conversation is kept in Virtual
 * Object state with `chatHistory`. Run it with `pnpm demo --sdk mastra`.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { chatHistory } from '@restate-agents/ai-sdk';
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
import { durableAgent, durableTools, restateContext, restateModel } from '@restate-agents/mastra';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';

const openai = createOpenAI({
  baseURL: process.env[DEMO_ENV.openaiBaseUrl],
  apiKey: process.env[DEMO_ENV.openaiApiKey] ?? 'scripted',
});
const ran = (name: string) => reportEvent({ kind: 'tool', name, replayed: false });

const supportAgent = new Agent({
  id: 'support',
  name: 'Support',
  instructions: DEMO_SYSTEM_PROMPT,
  model: restateModel(openai.chat(process.env[DEMO_ENV.model] ?? 'gpt-4o-mini')),
  tools: {
    // Whole-call tools: each execution is one journaled step keyed by the tool call id.
    ...durableTools({
      lookup_order: createTool({
        id: 'lookup_order',
        description: DEMO_TOOLS.lookup_order.description,
        inputSchema: z.object({ orderId: z.string() }),
        execute: async ({ orderId }) => {
          ran('lookup_order');
          return JSON.stringify({ ...DEMO_ORDER, orderId });
        },
      }),
      send_email: createTool({
        id: 'send_email',
        description: DEMO_TOOLS.send_email.description,
        inputSchema: z.object({ to: z.string(), subject: z.string() }),
        execute: async ({ to, subject }) => {
          ran('send_email');
          await recordSideEffect('email', { to, subject });
          return `Emailed ${to}`;
        },
      }),
    }),
    // A tool that journals its own step with the invocation's context, then passes the demo's crash point.
    issue_refund: createTool({
      id: 'issue_refund',
      description: DEMO_TOOLS.issue_refund.description,
      inputSchema: z.object({ orderId: z.string(), amount: z.number() }),
      execute: async ({ orderId, amount }, context) => {
        await durableStep(restateContext(context), 'tool:issue_refund', async () => {
          ran('issue_refund');
          await recordSideEffect('refund', { orderId, amount });
        });
        crashPoint(DEMO_CRASH_POINT);
        return `Refunded ${amount} on ${orderId}`;
      },
    }),
  },
});

const supportService = restate.object({
  name: DEMO_OBJECT,
  handlers: {
    [DEMO_HANDLER]: async (ctx: restate.ObjectContext, message: string): Promise<string> => {
      const history = chatHistory(ctx);
      await history.append({ role: 'user', content: message });
      const agent = durableAgent(ctx, supportAgent, {
        approval: { onRequest: ({ id, details }) => announceApproval(id, details.input) },
      });
      const result = await agent.generate((await history.read()) as never, {
        maxSteps: 8,
        requireToolApproval: ({ toolName }: { toolName: string }) => toolName === 'issue_refund',
      });
      await history.append(...((result.response.messages ?? []) as never[]));
      // Mastra's `text` joins the text of every step; the answer is the last one.
      return result.steps.at(-1)?.text ?? '';
    },
  },
  // Killed with its last error once its attempts run out, never left paused waiting for a human.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportService], port: Number(process.env.PORT ?? 9080) });
