/**
 * A durable model costs about as much to build as `new ChatOpenAI`, and createAgent hands restateMiddleware
 * the same model and binds the same tools on every model call: one invocation builds one durable model per
 * model object and one binding per set of tools, not one of each per model call. Each invocation still
 * gets its own (the middleware holds its `ctx`), and the steps keep their numbers.
 */

import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { createAgent, createMiddleware } from 'langchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { restateMiddleware } from '../src/index.js';

const env = useRestate({ disableRetries: true });
const model = useMockModel();

/** Durable models of earlier invocations, to show that a new invocation does not reuse them. */
const earlier = new Set<unknown>();

interface Outcome {
  text: string | undefined;
  modelCalls: number;
  durableModels: number;
  innerBindings: number;
  reusedFromEarlier: boolean;
}

const probe = restate.object({
  name: 'LangChainModelReuse',
  handlers: {
    async run(ctx: restate.ObjectContext): Promise<Outcome> {
      const chat = new ChatOpenAI({
        model: ctx.key,
        apiKey: 'scripted',
        configuration: { baseURL: model.openaiBaseUrl },
      });
      let innerBindings = 0;
      const bindTools = chat.bindTools.bind(chat);
      chat.bindTools = (...args: Parameters<typeof bindTools>) => {
        innerBindings++;
        return bindTools(...args);
      };
      // Listed after restateMiddleware: sees the durable model each model call gets.
      const seen: unknown[] = [];
      const spy = createMiddleware({
        name: 'SeenModels',
        wrapModelCall: (request, handler) => {
          seen.push(request.model);
          return handler(request);
        },
      });
      const agent = createAgent({
        model: chat,
        tools: [
          tool(({ text }: { text: string }) => text.toUpperCase(), {
            name: 'shout',
            description: 'Shout',
            schema: z.object({ text: z.string() }),
          }),
        ],
        middleware: [restateMiddleware(ctx), spy],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage('go')] });
      const distinct = new Set(seen);
      const reusedFromEarlier = [...distinct].some((item) => earlier.has(item));
      for (const item of distinct) earlier.add(item);
      return {
        text: messages.at(-1)?.text,
        modelCalls: seen.length,
        durableModels: distinct.size,
        innerBindings,
        reusedFromEarlier,
      };
    },
  },
});

const run = async (key: string) => {
  const { invocationId } = await env.send({ service: 'LangChainModelReuse', handler: 'run', key });
  const outcome = await env.attach<Outcome>(invocationId);
  const steps = (await env.journal(invocationId))
    .map((entry) => entry.name)
    .filter((name) => name?.startsWith('langchain:model:'));
  return { ...outcome, steps };
};

beforeAll(() => env.register({ services: [probe] }));

describe('restateMiddleware reuses the durable model within an invocation', () => {
  it('builds one durable model and binds the tools once over three model calls, per invocation', async () => {
    for (const key of ['reuse-a', 'reuse-b']) {
      model.conversation(key, (request) =>
        request.turnIndex < 2
          ? { toolCalls: [{ name: 'shout', arguments: { text: `hi ${request.turnIndex}` } }] }
          : { text: `done: ${request.lastToolResult ?? ''}` },
      );
    }
    const first = await run('reuse-a');
    expect(first).toEqual({
      text: 'done: HI 1',
      modelCalls: 3,
      durableModels: 1,
      innerBindings: 1,
      reusedFromEarlier: false,
      // The shared model still numbers its steps in call order.
      steps: ['langchain:model:1', 'langchain:model:2', 'langchain:model:3'],
    });
    // A second invocation builds its own: nothing carries over from the first.
    expect(await run('reuse-b')).toMatchObject({
      durableModels: 1,
      innerBindings: 1,
      reusedFromEarlier: false,
    });
  });
});
