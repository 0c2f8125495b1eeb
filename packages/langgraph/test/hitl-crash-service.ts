/**
 * Service for `hitl-crash.test.ts`, run in a child process the test SIGKILLs: a `createAgent` agent with
 * `humanInTheLoopMiddleware` run by `durableGraph(ctx, agent.graph)`. The approval request and the refund
 * go to the test's ledger and `ChatOpenAI` talks HTTP to the scripted model, at the URLs the crash harness
 * passes in `CONFORMANCE_ENV`'s variables.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { durableTool, restateMiddleware } from '@restate-agents/langchain';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { createAgent, createMiddleware, humanInTheLoopMiddleware } from 'langchain';
import { z } from 'zod';
import { durableGraph } from '../src/index.js';

const ledger = process.env[CONFORMANCE_ENV.ledgerUrl] ?? '';

const service = restate.object({
  name: 'HitlCrash',
  handlers: {
    async run(ctx: restate.ObjectContext, prompt: string): Promise<string[]> {
      const session = ctx.key;
      const refund = durableTool(
        ctx,
        tool(
          async ({ amount }) => {
            await sleep(40);
            await postToLedger('refund', { session, amount }, ledger);
            return `refunded ${amount} EUR`;
          },
          { name: 'refund', description: 'Refund', schema: z.object({ amount: z.number() }) },
        ),
      );
      // Listed first, outside any step: the crash comes after the refund's step was journaled.
      const crashAfterRefund = createMiddleware({
        name: 'CrashAfterRefund',
        wrapModelCall: (request, handler) => {
          if (request.messages.some((message) => ToolMessage.isInstance(message))) {
            crashPoint('after-refund');
          }
          return handler(request);
        },
      });
      const agent = createAgent({
        model: new ChatOpenAI({
          model: session,
          apiKey: 'scripted',
          configuration: { baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl] },
        }),
        tools: [refund],
        middleware: [
          crashAfterRefund,
          restateMiddleware(ctx),
          humanInTheLoopMiddleware({ interruptOn: { refund: true } }),
        ] as const,
      });
      const graph = durableGraph(ctx, agent.graph, {
        onInterrupt: ({ awakeableId }) =>
          postToLedger('approval', { session, awakeableId }, ledger),
      });
      const state = await graph.invoke({ messages: [new HumanMessage(prompt)] });
      return (state.messages as BaseMessage[]).map((message) => `${message.type}:${message.text}`);
    },
  },
});

await restate.serve({ services: [service], port: Number(process.env.PORT) });
