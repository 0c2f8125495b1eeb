/**
 * MCP (R9) through `@ai-sdk/mcp`'s real HTTP client against a tiny MCP server on loopback (JSON-RPC over
 * streamable HTTP, plain JSON answers, with latency), in normal and always-replay mode: the tool list, each
 * call, each resource read and each prompt reach the server once, however often the handler replays; a
 * JSON-RPC error for a bad request is not retried.
 */
import { createMCPClient } from '@ai-sdk/mcp';
import { createOpenAI } from '@ai-sdk/openai';
import {
  MOCK_MCP_SESSION_HEADER,
  type MockMcpAnswer,
  type MockMcpRequest,
} from '@restate-agents/testing';
import { useMockMcpServer, useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { generateText, isStepCount } from 'ai';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableMcpClient, durableMcpTools, withRestate } from '../src/index.js';

const mock = useMockModel();
/**
 * The MCP server; it records the JSON-RPC methods it answered per conversation (`MOCK_MCP_SESSION_HEADER`), and
 * answers after 20 ms, so a request repeated by a replay would be noticed.
 */
const mcp = useMockMcpServer({
  answer,
  capabilities: { tools: {}, resources: {}, prompts: {} },
});

/** A JSON-RPC error answer or a result; the server answers `initialize` and unknown methods itself. */
function answer(request: MockMcpRequest): MockMcpAnswer | undefined {
  switch (request.method) {
    case 'tools/list':
      return {
        result: {
          tools: [
            {
              name: 'shout',
              description: 'Upper-cases its input',
              inputSchema: {
                type: 'object',
                properties: { text: { type: 'string' } },
                required: ['text'],
              },
            },
          ],
        },
      };
    case 'tools/call':
      return {
        result: {
          content: [{ type: 'text', text: String(request.params?.arguments?.text).toUpperCase() }],
        },
      };
    case 'resources/list':
      return { result: { resources: [{ uri: 'memo://handbook', name: 'handbook' }] } };
    case 'resources/templates/list':
      return { result: { resourceTemplates: [{ uriTemplate: 'memo://{name}', name: 'memo' }] } };
    case 'resources/read':
      if (request.params?.uri !== 'memo://handbook') {
        return { error: { code: -32002, message: `Resource not found: ${request.params?.uri}` } };
      }
      return {
        result: { contents: [{ uri: 'memo://handbook', text: 'Refunds need approval.' }] },
      };
    case 'prompts/list':
      return { result: { prompts: [{ name: 'greet', arguments: [{ name: 'who' }] }] } };
    case 'prompts/get':
      return {
        result: {
          messages: [{ role: 'user', content: { type: 'text', text: 'Say hello politely.' } }],
        },
      };
    default:
      return undefined;
  }
}

async function connect(session: string) {
  return createMCPClient({
    transport: { type: 'http', url: mcp.url, headers: { [MOCK_MCP_SESSION_HEADER]: session } },
    protocolVersionDiscovery: false,
  });
}

const agent = restate.object({
  name: 'AiSdkMcpProbe',
  handlers: {
    async run(ctx: restate.ObjectContext): Promise<string> {
      const client = await connect(ctx.key);
      try {
        const openai = createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'scripted' });
        const result = await generateText(
          withRestate(ctx, {
            model: openai.chat(ctx.key),
            tools: await durableMcpTools(ctx, client),
            prompt: 'shout hello',
            stopWhen: isStepCount(3),
          }),
        );
        return result.text;
      } finally {
        await client.close();
      }
    },

    /** Resources, templates and prompts read through `durableMcpClient`, a step between each. */
    async context(ctx: restate.ObjectContext) {
      const client = await connect(ctx.key);
      try {
        const server = durableMcpClient(ctx, client);
        const resources = await server.listResources();
        const templates = await server.listResourceTemplates();
        const handbook = await server.readResource({ uri: 'memo://handbook' });
        const prompts = await server.listPrompts();
        const prompt = await server.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
        await ctx.sleep(1);
        return { resources, templates, handbook, prompts, prompt };
      } finally {
        await client.close();
      }
    },

    /** A resource the server does not have: a JSON-RPC error that would repeat. */
    async missing(ctx: restate.ObjectContext) {
      const client = await connect(ctx.key);
      try {
        return await durableMcpClient(ctx, client).readResource({ uri: 'memo://nope' });
      } finally {
        await client.close();
      }
    },
  },
});

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    const env = useRestate({ alwaysReplay, disableRetries: true });
    beforeAll(() => env.register({ services: [agent] }));
    const mode = alwaysReplay ? 'replay' : 'normal';

    it('lists the tools once and calls each tool once, however often the handler replays', async () => {
      const key = `mcp-tools-${mode}`;
      mock.conversation(key, (request) =>
        request.turnIndex === 0
          ? { toolCalls: [{ name: 'shout', arguments: { text: 'hello' } }], delayMs: 30 }
          : { text: `The server said ${request.lastToolResult ?? '(nothing)'}` },
      );
      const { invocationId } = await env.send(
        { service: 'AiSdkMcpProbe', handler: 'run', key },
        undefined,
      );
      const output = await env.attach<string>(invocationId);
      expect(output).toMatch(/HELLO/);
      expect(mcp.timesServed(key, 'tools/list')).toBe(1);
      expect(mcp.timesServed(key, 'tools/call')).toBe(1);
      // The connection itself is made again on every replay: it is not a side effect worth journaling.
      if (alwaysReplay) expect(mcp.timesServed(key, 'initialize')).toBeGreaterThan(1);
      const steps = (await env.journal(invocationId)).map((entry) => entry.name);
      expect(steps).toContain('ai-sdk:mcp:list-tools');
      expect(steps.some((name) => name?.startsWith('ai-sdk:tool:shout:'))).toBe(true);
    });

    it('resources, templates and prompts: each read once, the journaled answer on replay', async () => {
      const key = `mcp-context-${mode}`;
      const { invocationId } = await env.send(
        { service: 'AiSdkMcpProbe', handler: 'context', key },
        undefined,
      );
      const output = await env.attach<Record<string, unknown>>(invocationId);
      expect(output).toMatchObject({
        resources: { resources: [{ uri: 'memo://handbook' }] },
        templates: { resourceTemplates: [{ uriTemplate: 'memo://{name}' }] },
        handbook: { contents: [{ text: 'Refunds need approval.' }] },
        prompts: { prompts: [{ name: 'greet' }] },
        prompt: { messages: [{ content: { text: 'Say hello politely.' } }] },
      });
      for (const method of [
        'resources/list',
        'resources/templates/list',
        'resources/read',
        'prompts/list',
        'prompts/get',
      ]) {
        expect(mcp.timesServed(key, method), method).toBe(1);
      }
      const steps = (await env.journal(invocationId)).map((entry) => entry.name);
      expect(steps).toEqual(
        expect.arrayContaining([
          'ai-sdk:mcp:list-resources',
          'ai-sdk:mcp:read-resource:memo://handbook',
          'ai-sdk:mcp:get-prompt:greet',
        ]),
      );
    });

    it('a JSON-RPC error for a bad request ends the step at once instead of being retried', async () => {
      const key = `mcp-missing-${mode}`;
      const { invocationId } = await env.send(
        { service: 'AiSdkMcpProbe', handler: 'missing', key },
        undefined,
      );
      await expect(env.attach(invocationId)).rejects.toThrow(
        /will not be retried \(not-found: Resource not found: memo:\/\/nope\)/,
      );
      expect(mcp.timesServed(key, 'resources/read')).toBe(1);
    });
  });
}
