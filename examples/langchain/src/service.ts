/**
 * A support agent built with LangChain's `createAgent`, made durable with @restate-agents/langchain:
 * `restateMiddleware` journals every model call, runs tools in model order and pauses the refund for a
 * human on an awakeable; `durableTool` makes each side-effecting tool one journaled step; the conversation
 * lives in `RestateChatMessageHistory`. Run it with `pnpm demo --sdk langchain`.
 */
import { type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
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
  RestateChatMessageHistory,
  restateMiddleware,
} from '@restate-agents/langchain';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { createAgent } from 'langchain';
import { z } from 'zod';

/** The tools; `durableTool` makes a whole call one journaled step. */
function tools(ctx: restate.ObjectContext) {
  const ran = (name: string) => reportEvent({ kind: 'tool', name, replayed: false });
  return [
    durableTool(
      ctx,
      tool(
        ({ orderId }) => {
          ran('lookup_order');
          return JSON.stringify({ ...DEMO_ORDER, orderId });
        },
        {
          name: 'lookup_order',
          description: DEMO_TOOLS.lookup_order.description,
          schema: z.object({ orderId: z.string() }),
        },
      ),
    ),
    tool(
      async ({ orderId, amount }) => {
        // A tool may journal its own steps with ctx: here the refund, then the demo's crash point.
        await durableStep(ctx, 'tool:issue_refund', async () => {
          ran('issue_refund');
          await recordSideEffect('refund', { orderId, amount });
        });
        crashPoint(DEMO_CRASH_POINT);
        return `Refunded ${amount} on ${orderId}`;
      },
      {
        name: 'issue_refund',
        description: DEMO_TOOLS.issue_refund.description,
        schema: z.object({ orderId: z.string(), amount: z.number() }),
      },
    ),
    durableTool(
      ctx,
      tool(
        async ({ to, subject }) => {
          ran('send_email');
          await recordSideEffect('email', { to, subject });
          return `Emailed ${to}`;
        },
        {
          name: 'send_email',
          description: DEMO_TOOLS.send_email.description,
          schema: z.object({ to: z.string(), subject: z.string() }),
        },
      ),
    ),
  ];
}

const supportAgent = restate.object({
  name: DEMO_OBJECT,
  handlers: {
    [DEMO_HANDLER]: async (ctx: restate.ObjectContext, message: string): Promise<string> => {
      const history = new RestateChatMessageHistory(ctx);
      await history.addMessage(new HumanMessage(message));
      const messages: BaseMessage[] = [
        new SystemMessage(DEMO_SYSTEM_PROMPT),
        ...(await history.getMessages()),
      ];
      const agent = createAgent({
        model: new ChatOpenAI({
          model: process.env[DEMO_ENV.model] ?? 'gpt-4o-mini',
          apiKey: process.env[DEMO_ENV.openaiApiKey] ?? 'scripted',
          configuration: { baseURL: process.env[DEMO_ENV.openaiBaseUrl] },
        }),
        tools: tools(ctx),
        middleware: [
          restateMiddleware(ctx, {
            approval: {
              tools: { issue_refund: true },
              onRequest: ({ id, details }) => announceApproval(id, details.args),
            },
          }),
        ],
      });
      const state = await agent.invoke({ messages });
      const produced = state.messages.slice(messages.length);
      await history.addMessages(produced);
      return produced.at(-1)?.text ?? '';
    },
  },
  // Killed with its last error once its attempts run out, never left paused waiting for a human.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportAgent], port: Number(process.env.PORT ?? 9080) });
