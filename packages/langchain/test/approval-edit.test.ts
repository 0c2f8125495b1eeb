/**
 * `restateMiddleware`'s approval with an edit: the human approves the tool call with edited arguments
 * (core's `ApprovalDecision.editedArgs`, LangChain's "edit" decision) and the tool runs once with those.
 * `ChatOpenAI` over HTTP to the scripted model server, a durable tool with real latency; normal and
 * always-replay mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { createAgent } from 'langchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableTool, restateMiddleware } from '../src/index.js';

const mock = useMockModel();

/** Refunds the tool really made, by object key. */
const refunds = new Map<string, number[]>();
/** Awakeable ids and the details the approver was shown, by object key. */
const asked = new Map<string, { id: string; details: unknown }>();

const service = restate.object({
  name: 'ApprovalEdit',
  handlers: {
    async run(ctx: restate.ObjectContext, prompt: string): Promise<string[]> {
      const key = ctx.key;
      const refund = durableTool(
        ctx,
        tool(
          async ({ amount }) => {
            await sleep(40);
            refunds.set(key, [...(refunds.get(key) ?? []), amount]);
            return `refunded ${amount} EUR`;
          },
          { name: 'refund', description: 'Refund', schema: z.object({ amount: z.number() }) },
        ),
      );
      const agent = createAgent({
        model: new ChatOpenAI({
          model: key,
          apiKey: 'scripted',
          configuration: { baseURL: mock.openaiBaseUrl },
        }),
        tools: [refund],
        middleware: [
          restateMiddleware(ctx, {
            approval: {
              tools: { refund: true },
              onRequest: ({ id, details }) => {
                asked.set(key, { id, details });
              },
            },
          }),
        ],
      });
      const state = await agent.invoke({ messages: [new HumanMessage(prompt)] });
      return (state.messages as BaseMessage[]).map((message) => `${message.type}:${message.text}`);
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('approval with edited arguments ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));

  it('runs the tool once with the arguments the approver gave', async () => {
    const key = `edit-${mode}`;
    mock.conversation(key, [
      { delayMs: 50, toolCalls: [{ name: 'refund', arguments: { amount: 100 } }] },
      { delayMs: 50, text: 'done' },
    ]);
    const { invocationId } = await env.send(
      { service: 'ApprovalEdit', handler: 'run', key },
      'refund me',
    );
    await env.waitForJournal(
      invocationId,
      (entries) =>
        entries.some((entry) => entry.name === 'approval:notify' && entry.completed === true),
      { timeoutMs: 30_000 },
    );
    expect(asked.get(key)?.details).toMatchObject({ name: 'refund', args: { amount: 100 } });
    await env.resolveAwakeable(asked.get(key)?.id as string, {
      approved: true,
      editedArgs: { amount: 50 },
    });
    expect(await env.attach(invocationId, { timeoutMs: 60_000 })).toEqual([
      'human:refund me',
      'ai:',
      'tool:refunded 50 EUR',
      'ai:done',
    ]);
    expect(refunds.get(key)).toEqual([50]);
    // The model reads the result of the call that ran.
    expect(JSON.stringify(mock.requestsFor(key)[1]?.messages)).toContain('refunded 50 EUR');
  });
});
