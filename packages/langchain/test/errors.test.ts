/**
 * R4/R5 through createAgent: langchain wraps every error leaving a `wrapModelCall` middleware in its own
 * `MiddlewareError`, which Restate does not recognise as terminal (it would retry the invocation).
 * `restateMiddleware` makes Restate's control errors leave `agent.invoke` unwrapped, and hands ordinary
 * tool errors to the model instead.
 */

import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { type AgentMiddleware, createAgent, createMiddleware } from 'langchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableChatModel, restateMiddleware } from '../src/index.js';

const env = useRestate({ disableRetries: true });
const model = useMockModel();

/** Any user middleware with a `wrapModelCall`: enough for langchain to wrap model errors. */
const logging: AgentMiddleware = createMiddleware({
  name: 'Logging',
  wrapModelCall: (request, handler) => handler(request),
});

const probe = restate.object({
  name: 'LangChainErrors',
  handlers: {
    async run(ctx: restate.ObjectContext, withRestate: boolean) {
      const agent = createAgent({
        model: durableChatModel(
          ctx,
          new ChatOpenAI({
            model: ctx.key,
            apiKey: 'scripted',
            configuration: { baseURL: model.openaiBaseUrl },
          }),
        ),
        tools: [
          tool(
            ({ mode }: { mode: string }) => {
              if (mode === 'terminal') throw new restate.TerminalError('card declined');
              throw new Error('the service is confused');
            },
            { name: 'charge', description: 'Charge', schema: z.object({ mode: z.string() }) },
          ),
        ],
        middleware: withRestate ? [restateMiddleware(ctx), logging] : [logging],
      });
      try {
        const { messages } = await agent.invoke({ messages: [new HumanMessage('go')] });
        return { text: messages.at(-1)?.text };
      } catch (error) {
        // Reported, not rethrown: the test looks at what came out of agent.invoke.
        return {
          name: (error as Error).constructor.name,
          isTerminal: error instanceof restate.TerminalError,
          message: (error as Error).message,
        };
      }
    },
  },
});

const run = (key: string, withRestate: boolean) =>
  env
    .send({ service: 'LangChainErrors', handler: 'run', key }, withRestate)
    .then(({ invocationId }) =>
      env.attach<{ text?: string; name?: string; isTerminal?: boolean; message?: string }>(
        invocationId,
      ),
    );

beforeAll(() => env.register({ services: [probe] }));

describe('control errors out of createAgent', () => {
  it('without restateMiddleware a 401 leaves agent.invoke as MiddlewareError, not TerminalError', async () => {
    model.conversation('wrapped', [{ text: 'never', faults: [{ kind: 'status', status: 401 }] }]);
    const outcome = await run('wrapped', false);
    expect(outcome.name).toBe('MiddlewareError');
    expect(outcome.isTerminal).toBe(false);
  });

  it('with restateMiddleware the 401 leaves agent.invoke as the TerminalError itself', async () => {
    model.conversation('unwrapped', [{ text: 'never', faults: [{ kind: 'status', status: 401 }] }]);
    const outcome = await run('unwrapped', true);
    expect(outcome).toMatchObject({ name: 'TerminalError', isTerminal: true });
    expect(outcome.message).toMatch(/401/);
    expect(model.requestsFor('unwrapped')).toHaveLength(1);
  });

  it('a TerminalError from a tool ends the run unwrapped; the model is not asked again', async () => {
    model.conversation('tool-terminal', [
      { toolCalls: [{ name: 'charge', arguments: { mode: 'terminal' } }] },
      { text: 'the model must not see it' },
    ]);
    expect(await run('tool-terminal', true)).toMatchObject({
      isTerminal: true,
      message: 'card declined',
    });
    expect(model.requestsFor('tool-terminal')).toHaveLength(1);
  });

  it('an ordinary tool error goes back to the model as an error ToolMessage', async () => {
    model.conversation('tool-error', (request) =>
      request.turnIndex === 0
        ? { toolCalls: [{ name: 'charge', arguments: { mode: 'confused' } }] }
        : { text: `The tool said: ${request.lastToolResult ?? ''}` },
    );
    const outcome = await run('tool-error', true);
    expect(outcome.text).toMatch(/The tool said: Error: the service is confused/);
  });
});
