/**
 * MCP tools (R9) through `@mastra/mcp`'s real `MCPClient` (streamable HTTP) against a tiny MCP server on
 * loopback (JSON-RPC, plain JSON answers, with latency), in normal and always-replay mode: the tool catalog
 * is asked for once and each call reaches the server once however often the handler replays; a JSON-RPC
 * error for a bad request is not retried and reaches the model; a server that fails to list is retried, not
 * silently left out (Mastra's `listTools()` skips it).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { MCPClient } from '@mastra/mcp';
import {
  MOCK_MCP_SESSION_HEADER,
  type MockMcpAnswer,
  type MockMcpRequest,
} from '@restate-agents/testing';
import { useMockMcpServer, useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableAgent, durableMcpTools, durableMcpToolsets, durableModel } from '../src/index.js';

const mock = useMockModel();
/**
 * The MCP server; it records the JSON-RPC methods it answered per conversation (`MOCK_MCP_SESSION_HEADER`), and
 * answers after 20 ms, so a request repeated by a replay would be noticed.
 */
const mcp = useMockMcpServer({ answer });
/** Sessions whose next `tools/list` is answered with HTTP 503 (then removed). */
const listFailures = new Set<string>();

const TOOLS = [
  {
    name: 'shout',
    description: 'Upper-cases its input',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    },
  },
  {
    name: 'strict',
    description: 'Rejects every call as invalid',
    inputSchema: { type: 'object', properties: {} },
  },
];

/** A JSON-RPC error answer, a result or an HTTP 503; the server answers `initialize` and unknown methods itself. */
function answer(request: MockMcpRequest, session: string): MockMcpAnswer | undefined {
  if (request.method === 'tools/list' && listFailures.delete(session)) {
    return { status: 503, body: 'overloaded' };
  }
  switch (request.method) {
    case 'tools/list':
      return { result: { tools: TOOLS } };
    case 'tools/call':
      if (request.params?.name === 'strict') {
        return { error: { code: -32602, message: 'Invalid params: strict takes a reason' } };
      }
      return {
        result: {
          content: [{ type: 'text', text: String(request.params?.arguments?.text).toUpperCase() }],
        },
      };
    default:
      return undefined;
  }
}

/** One client per invocation attempt (`id`: Mastra keeps one instance per id), its server named `loop`. */
const client = (session: string) =>
  new MCPClient({
    id: `mcp-${session}`,
    servers: {
      loop: {
        url: new URL(mcp.url),
        requestInit: { headers: { [MOCK_MCP_SESSION_HEADER]: session } },
      },
    },
  });

const agentFor = (ctx: restate.Context, key: string, tools: Record<string, unknown> = {}) =>
  new Agent({
    id: 'mcp-agent',
    name: 'mcp-agent',
    instructions: 'You use MCP tools.',
    model: durableModel(ctx, createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'x' }).chat(key)),
    tools: tools as never,
  });

const service = restate.object({
  name: 'MastraMcpProbe',
  handlers: {
    /** The agent gets the tools (`listTools()` shape); returns the last answer. */
    async tools(ctx: restate.ObjectContext): Promise<string> {
      const mcpClient = client(ctx.key);
      try {
        const tools = await durableMcpTools(ctx, mcpClient, { initialRetryInterval: 20 });
        const result = await durableAgent(ctx, agentFor(ctx, ctx.key, tools)).generate(
          'shout hello',
          { maxSteps: 3 },
        );
        return result.steps.at(-1)?.text ?? '';
      } finally {
        await mcpClient.disconnect();
      }
    },
    /** The tools for one run (`toolsets`, the `listToolsets()` shape). */
    async toolsets(ctx: restate.ObjectContext): Promise<string> {
      const mcpClient = client(ctx.key);
      try {
        const toolsets = await durableMcpToolsets(ctx, mcpClient);
        const result = await durableAgent(ctx, agentFor(ctx, ctx.key)).generate('shout hello', {
          maxSteps: 3,
          toolsets: toolsets as never,
        });
        return result.steps.at(-1)?.text ?? '';
      } finally {
        await mcpClient.disconnect();
      }
    },
  },
});

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    const env = useRestate({ alwaysReplay, maxAttempts: 10 });
    beforeAll(() => env.register({ services: [service] }));
    const mode = alwaysReplay ? 'replay' : 'normal';
    const run = async (handler: string, key: string) => {
      const { invocationId } = await env.send({ service: 'MastraMcpProbe', handler, key }, null);
      const output = await env.attach<string>(invocationId);
      const steps = (await env.journal(invocationId))
        .filter((entry) => entry.type === 'Run' && entry.name)
        .map((entry) => entry.name ?? '');
      return { output, steps };
    };

    for (const handler of ['tools', 'toolsets']) {
      it(`${handler}: the catalog is listed once and each call reaches the server once, however often the handler replays`, async () => {
        const key = `mcp-${handler}-${mode}`;
        mock.conversation(key, (request) =>
          request.turnIndex === 0
            ? {
                toolCalls: [{ name: 'loop_shout', arguments: { text: 'hello' } }],
                delayMs: 30,
              }
            : { text: `The server said ${request.lastToolResult ?? '(nothing)'}` },
        );
        const { output, steps } = await run(handler, key);
        expect(output).toMatch(/HELLO/);
        expect(mcp.timesServed(key, 'tools/list')).toBe(1);
        expect(mcp.timesServed(key, 'tools/call')).toBe(1);
        expect(steps).toEqual([
          'mastra:mcp:list-tools',
          'mastra:model:1',
          expect.stringMatching(/^mastra:tool:loop_shout:.+/),
          'mastra:model:2',
        ]);
      });
    }

    it('a JSON-RPC error for a bad call reaches the server once and the model as the tool error', async () => {
      const key = `mcp-strict-${mode}`;
      mock.conversation(key, (request) =>
        request.turnIndex === 0
          ? { toolCalls: [{ name: 'loop_strict', arguments: {} }] }
          : { text: `Told: ${request.lastToolResult ?? '(nothing)'}` },
      );
      const { output } = await run('tools', key);
      expect(output).toMatch(/will not be retried \(bad-request: .*Invalid params/);
      expect(mcp.timesServed(key, 'tools/call')).toBe(1);
    });

    it('a server that fails to list its tools is retried, not left out of the catalog', async () => {
      const key = `mcp-list-fails-${mode}`;
      listFailures.add(key);
      mock.conversation(key, [
        { toolCalls: [{ name: 'loop_shout', arguments: { text: 'again' } }] },
        { text: 'done' },
      ]);
      const { output } = await run('tools', key);
      expect(output).toBe('done');
      expect(mcp.timesServed(key, 'tools/list')).toBe(2);
      expect(mcp.timesServed(key, 'tools/call')).toBe(1);
    });
  });
}
