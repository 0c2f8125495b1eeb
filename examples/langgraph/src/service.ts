/**
 * A support agent as a LangGraph graph — an `agent` node and the prebuilt `ToolNode` — made durable with
 * @restate-agents/langgraph (`durableGraph`: replay-stable task order, checkpoints in Virtual Object state,
 * `interrupt()` paused on an awakeable) and @restate-agents/langchain (`durableChatModel`: every model call
 * one journaled step). Run it with `pnpm demo --sdk langgraph`.
 */
import { type AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, interrupt, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { agentRetryPolicy, durableStep, parseApprovalDecision } from '@restate-agents/core';
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
import { durableChatModel } from '@restate-agents/langchain';
import { durableGraph } from '@restate-agents/langgraph';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';

const ran = (name: string) => reportEvent({ kind: 'tool', name, replayed: false });

function buildGraph(ctx: restate.ObjectContext) {
  const tools = [
    tool(
      ({ orderId }) =>
        durableStep(ctx, 'tool:lookup_order', () => {
          ran('lookup_order');
          return JSON.stringify({ ...DEMO_ORDER, orderId });
        }),
      {
        name: 'lookup_order',
        description: DEMO_TOOLS.lookup_order.description,
        schema: z.object({ orderId: z.string() }),
      },
    ),
    tool(
      async ({ orderId, amount }) => {
        // interrupt() pauses on an awakeable; durableGraph's onInterrupt hands its id to the approver.
        const decision = parseApprovalDecision(orderId, interrupt({ orderId, amount }));
        if (!decision.approved) return `Refund rejected: ${decision.reason ?? 'no reason given'}`;
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
    tool(
      async ({ to, subject }) => {
        await durableStep(ctx, 'tool:send_email', async () => {
          ran('send_email');
          await recordSideEffect('email', { to, subject });
        });
        return `Emailed ${to}`;
      },
      {
        name: 'send_email',
        description: DEMO_TOOLS.send_email.description,
        schema: z.object({ to: z.string(), subject: z.string() }),
      },
    ),
  ];
  const model = durableChatModel(
    ctx,
    new ChatOpenAI({
      model: process.env[DEMO_ENV.model] ?? 'gpt-4o-mini',
      apiKey: process.env[DEMO_ENV.openaiApiKey] ?? 'scripted',
      configuration: { baseURL: process.env[DEMO_ENV.openaiBaseUrl] },
    }),
  ).bindTools(tools);

  // toolsCondition routes to ToolNode, which runs the calls of one message in model order.
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({
      messages: [await model.invoke([new SystemMessage(DEMO_SYSTEM_PROMPT), ...state.messages])],
    }))
    .addNode('tools', new ToolNode(tools))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
}

const supportAgent = restate.object({
  name: DEMO_OBJECT,
  handlers: {
    [DEMO_HANDLER]: async (ctx: restate.ObjectContext, message: string): Promise<string> => {
      // Checkpoints live in this object's state, keyed by the object key (the conversation).
      const graph = durableGraph(ctx, buildGraph(ctx), {
        onInterrupt: ({ awakeableId, value }) => announceApproval(awakeableId, value),
      });
      const state = await graph.invoke({ messages: [new HumanMessage(message)] });
      return (state.messages as AIMessage[]).at(-1)?.text ?? '';
    },
  },
  // Killed with its last error once its attempts run out, never left paused waiting for a human.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportAgent], port: Number(process.env.PORT ?? 9080) });
