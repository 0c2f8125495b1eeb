/**
 * Multi-agent patterns of Mastra on a real restate-server, normal and always-replay mode: a supervisor with
 * sub-agents (`agents: { … }`, Mastra's agent-as-tool delegation). Mastra runs a sub-agent with its own
 * defaults (10 tools at once, tool errors fed to its model); under `durableAgent` the sub-agent's model
 * calls and tools are journaled steps of the same invocation, in order, one tool at a time, and a Restate
 * control error one of its tools throws ends the whole run.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableAgent, durableModel, durableTools } from '../src/index.js';

const mock = useMockModel();
const openai = () => createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'scripted' });

/** What the tool bodies did, by conversation key, in order (outside Restate: a replay would show). */
const events = new Map<string, string[]>();
const record = (key: string, event: string) => events.set(key, [...(events.get(key) ?? []), event]);

const tools = durableTools({
  lookup: createTool({
    id: 'lookup',
    description: 'Looks an order up (a slow backend).',
    inputSchema: z.object({ orderId: z.string() }),
    execute: async ({ orderId }, context) => {
      const key = String(context.requestContext?.get('key'));
      record(key, `start:${orderId}`);
      await new Promise((resolve) => setTimeout(resolve, orderId === '7' ? 80 : 10));
      record(key, `end:${orderId}`);
      return `order ${orderId} shipped`;
    },
  }),
  fatal: createTool({
    id: 'fatal',
    description: 'Fails for good.',
    inputSchema: z.object({}),
    execute: async (_input, context) => {
      record(String(context.requestContext?.get('key')), 'fatal');
      throw new restate.TerminalError('the order system refused for good');
    },
  }),
});

const service = restate.object({
  name: 'MastraMultiAgent',
  handlers: {
    /** A supervisor delegating to a researcher sub-agent; returns the supervisor's last answer. */
    async delegate(ctx: restate.ObjectContext, input: { stream: boolean }) {
      const researcher = new Agent({
        id: 'researcher',
        name: 'researcher',
        description: 'Looks orders up.',
        instructions: 'You look orders up.',
        model: durableModel(ctx, openai().chat(`${ctx.key}-researcher`)),
        tools,
      });
      const supervisor = new Agent({
        id: 'supervisor',
        name: 'supervisor',
        instructions: 'You delegate order questions to the researcher.',
        model: durableModel(ctx, openai().chat(ctx.key)),
        agents: { researcher },
      });
      const { RequestContext } = await import('@mastra/core/request-context');
      const requestContext = new RequestContext();
      requestContext.set('key', ctx.key);
      const agent = durableAgent(ctx, supervisor);
      if (input.stream) {
        const output = await agent.stream('Where are orders 7 and 8?', {
          requestContext,
          maxSteps: 3,
        });
        for await (const _ of output.textStream);
        return (await output.steps).at(-1)?.text ?? '';
      }
      const result = await agent.generate('Where are orders 7 and 8?', {
        requestContext,
        maxSteps: 3,
      });
      return result.steps.at(-1)?.text ?? '';
    },
  },
});

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    const env = useRestate({ alwaysReplay, maxAttempts: 10 });
    beforeAll(() => env.register({ services: [service] }));
    const mode = alwaysReplay ? 'replay' : 'normal';
    const stepNames = async (invocationId: string) =>
      (await env.journal(invocationId))
        .filter((entry) => entry.type === 'Run' && entry.name)
        .map((entry) => entry.name ?? '');
    const delegateTurn = {
      toolCalls: [{ name: 'agent-researcher', arguments: { prompt: 'Look up orders 7 and 8.' } }],
      delayMs: 20,
    };

    for (const stream of [false, true]) {
      it(`${stream ? 'stream' : 'generate'}: the sub-agent's model calls and tools are steps of the run, in order, one tool at a time, each once`, async () => {
        const key = `delegate-${stream ? 'stream' : 'generate'}-${mode}`;
        mock.conversation(key, (request) =>
          request.turnIndex === 0
            ? delegateTurn
            : { text: `Supervisor: ${request.lastToolResult ?? '(nothing)'}` },
        );
        mock.conversation(`${key}-researcher`, [
          {
            toolCalls: [
              { name: 'lookup', arguments: { orderId: '7' } },
              { name: 'lookup', arguments: { orderId: '8' } },
            ],
            delayMs: 20,
          },
          { text: 'Both orders shipped.', delayMs: 20 },
        ]);
        const { invocationId } = await env.send(
          { service: 'MastraMultiAgent', handler: 'delegate', key },
          { stream },
        );
        expect(await env.attach<string>(invocationId)).toBe('Supervisor: Both orders shipped.');
        // Mastra's default would start both lookups at once (start:7, start:8, end:8, end:7).
        expect(events.get(key)).toEqual(['start:7', 'end:7', 'start:8', 'end:8']);
        expect(mock.requestsFor(key)).toHaveLength(2);
        expect(mock.requestsFor(`${key}-researcher`)).toHaveLength(2);
        expect(await stepNames(invocationId)).toEqual([
          'mastra:model:1',
          'mastra:model:2',
          expect.stringMatching(/^mastra:tool:lookup:.+/),
          expect.stringMatching(/^mastra:tool:lookup:.+/),
          'mastra:model:3',
          'mastra:model:4',
        ]);
      });
    }

    it("a TerminalError from a sub-agent's tool ends the run: neither model is asked again", async () => {
      const key = `delegate-fatal-${mode}`;
      mock.conversation(key, [delegateTurn, { text: 'should not be asked' }]);
      mock.conversation(`${key}-researcher`, [
        { toolCalls: [{ name: 'fatal', arguments: {} }] },
        { text: 'should not be asked either' },
      ]);
      const { invocationId } = await env.send(
        { service: 'MastraMultiAgent', handler: 'delegate', key },
        { stream: false },
      );
      await expect(env.attach(invocationId)).rejects.toThrow(/the order system refused for good/);
      expect(events.get(key)).toEqual(['fatal']);
      expect(mock.requestsFor(`${key}-researcher`)).toHaveLength(1);
      expect(mock.requestsFor(key)).toHaveLength(1);
    });
  });
}
