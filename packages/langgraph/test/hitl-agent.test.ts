/**
 * LangChain's `humanInTheLoopMiddleware` (it calls `interrupt()`) in a `createAgent` agent whose graph runs
 * under `durableGraph(ctx, agent.graph)`: the human's approve, edit and reject decisions arrive on an
 * awakeable (`onInterrupt`) and the agent goes on as LangChain documents it. `ChatOpenAI` over HTTP to the
 * scripted model server, a durable tool with real latency; normal and always-replay mode (which re-runs
 * the handler from the top after every journaled step, as a crash and recovery does).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { durableTool, restateMiddleware } from '@restate-agents/langchain';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { createAgent, humanInTheLoopMiddleware } from 'langchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableGraph } from '../src/index.js';

const model = useMockModel();

/** Refunds the tool really made, by object key. */
const refunds = new Map<string, number[]>();
/** Awakeable ids and what the human was shown, by object key. */
const asked = new Map<string, { awakeableId: string; value: unknown }>();

function refundAgent(ctx: restate.ObjectContext) {
  const key = ctx.key;
  const refund = durableTool(
    ctx,
    tool(
      async ({ amount }) => {
        await sleep(40);
        refunds.set(key, [...(refunds.get(key) ?? []), amount]);
        return `refunded ${amount} EUR`;
      },
      {
        name: 'refund',
        description: 'Refund an amount',
        schema: z.object({ amount: z.number() }),
      },
    ),
  );
  return createAgent({
    model: new ChatOpenAI({
      model: key,
      apiKey: 'scripted',
      configuration: { baseURL: model.openaiBaseUrl },
    }),
    tools: [refund],
    middleware: [
      restateMiddleware(ctx),
      humanInTheLoopMiddleware({ interruptOn: { refund: true } }),
    ] as const,
  });
}

const service = restate.object({
  name: 'HitlAgent',
  handlers: {
    async run(ctx: restate.ObjectContext, prompt: string): Promise<string[]> {
      const graph = durableGraph(ctx, refundAgent(ctx).graph, {
        onInterrupt: ({ awakeableId, value }) => {
          asked.set(ctx.key, { awakeableId, value });
        },
      });
      const state = await graph.invoke({ messages: [new HumanMessage(prompt)] });
      return (state.messages as BaseMessage[]).map((message) => `${message.type}:${message.text}`);
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])(
  'humanInTheLoopMiddleware under durableGraph(ctx, agent.graph) ($mode)',
  ({ mode, alwaysReplay }) => {
    const env = useRestate({ alwaysReplay, disableRetries: true });
    beforeAll(() => env.register({ services: [service] }));

    /** Runs the agent until it asks, answers with `decision`, and returns its messages. */
    const decide = async (key: string, decision: Record<string, unknown>) => {
      model.conversation(key, [
        { delayMs: 50, toolCalls: [{ name: 'refund', arguments: { amount: 100 } }] },
        { delayMs: 50, text: 'done' },
      ]);
      const { invocationId } = await env.send(
        { service: 'HitlAgent', handler: 'run', key },
        'refund me',
      );
      await env.waitForJournal(
        invocationId,
        (entries) =>
          entries.some((entry) => entry.name === 'langgraph:interrupt' && entry.completed === true),
        { timeoutMs: 30_000 },
      );
      const request = asked.get(key);
      // What LangChain's middleware asks: the tool call to review and the decisions allowed.
      expect(request?.value).toMatchObject({
        actionRequests: [{ name: 'refund', args: { amount: 100 } }],
        reviewConfigs: [{ actionName: 'refund', allowedDecisions: ['approve', 'edit', 'reject'] }],
      });
      await env.resolveAwakeable(request?.awakeableId as string, { decisions: [decision] });
      return env.attach<string[]>(invocationId, { timeoutMs: 60_000 });
    };

    it('approve: the tool runs once with the model arguments', async () => {
      const key = `approve-${mode}`;
      const messages = await decide(key, { type: 'approve' });
      expect(messages).toEqual(['human:refund me', 'ai:', 'tool:refunded 100 EUR', 'ai:done']);
      expect(refunds.get(key)).toEqual([100]);
      expect(model.requestsFor(key)).toHaveLength(2);
    });

    it('edit: the tool runs once with the edited arguments', async () => {
      const key = `edit-${mode}`;
      const messages = await decide(key, {
        type: 'edit',
        editedAction: { name: 'refund', args: { amount: 50 } },
      });
      expect(messages).toEqual(['human:refund me', 'ai:', 'tool:refunded 50 EUR', 'ai:done']);
      expect(refunds.get(key)).toEqual([50]);
      expect(model.requestsFor(key)).toHaveLength(2);
    });

    it('reject: the tool never runs and the model reads the reason', async () => {
      const key = `reject-${mode}`;
      const messages = await decide(key, { type: 'reject', message: 'refunds need a receipt' });
      expect(messages.at(-1)).toBe('ai:done');
      expect(messages.some((text) => text.startsWith('tool:') && text.includes('receipt'))).toBe(
        true,
      );
      expect(refunds.get(key)).toBeUndefined();
      const second = model.requestsFor(key)[1];
      expect(JSON.stringify(second?.messages)).toContain('refunds need a receipt');
    });
  },
);
