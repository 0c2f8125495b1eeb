/**
 * MCP tools (R9) through `@ai-sdk/mcp`'s real HTTP client against a tiny MCP server on loopback (JSON-RPC
 * over streamable HTTP, plain JSON answers), in always-replay mode: the tool list and each call reach the
 * server once, however often the handler replays.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMCPClient } from '@ai-sdk/mcp';
import { createOpenAI } from '@ai-sdk/openai';
import { type MockModelServer, startMockModel } from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { generateText, isStepCount } from 'ai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { durableMcpTools, withRestate } from '../src/index.js';

const env = useRestate({ alwaysReplay: true, disableRetries: true });
let mock: MockModelServer;
let mcp: Server;
let mcpUrl = '';
/** JSON-RPC methods the MCP server answered, in order. */
const served: string[] = [];

interface RpcRequest {
  id?: number | string;
  method: string;
  params?: { name?: string; arguments?: { text?: string } };
}

function answer(request: RpcRequest): unknown {
  switch (request.method) {
    case 'initialize':
      return {
        protocolVersion: '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: 'loopback-mcp', version: '1.0.0' },
      };
    case 'tools/list':
      return {
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
      };
    case 'tools/call':
      return {
        content: [{ type: 'text', text: String(request.params?.arguments?.text).toUpperCase() }],
      };
    default:
      return {};
  }
}

const agent = restate.object({
  name: 'AiSdkMcpProbe',
  handlers: {
    async run(ctx: restate.ObjectContext): Promise<string> {
      const client = await createMCPClient({
        transport: { type: 'http', url: mcpUrl },
        protocolVersionDiscovery: false,
      });
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
  },
});

beforeAll(async () => {
  mock = await startMockModel();
  mcp = createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const rpc = JSON.parse(body) as RpcRequest;
      if (rpc.id === undefined) {
        response.writeHead(202).end(); // a notification
        return;
      }
      served.push(rpc.method);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: answer(rpc) }));
    });
  });
  await new Promise<void>((resolve) => mcp.listen(0, '127.0.0.1', resolve));
  mcpUrl = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}/mcp`;
  await env.register({ services: [agent] });
});
afterAll(async () => {
  await mock.close();
  await new Promise((resolve) => mcp.close(resolve));
});

it('lists the tools once and calls each tool once, however often the handler replays', async () => {
  mock.conversation('mcp-1', (request) =>
    request.turnIndex === 0
      ? { toolCalls: [{ name: 'shout', arguments: { text: 'hello' } }] }
      : { text: `The server said ${request.lastToolResult ?? '(nothing)'}` },
  );
  const { invocationId } = await env.send(
    { service: 'AiSdkMcpProbe', handler: 'run', key: 'mcp-1' },
    undefined,
  );
  const output = await env.attach<string>(invocationId);
  expect(output).toMatch(/HELLO/);
  expect(served.filter((method) => method === 'tools/list')).toHaveLength(1);
  expect(served.filter((method) => method === 'tools/call')).toHaveLength(1);
  // The connection itself is made again on every replay: it is not a side effect worth journaling.
  expect(served.filter((method) => method === 'initialize').length).toBeGreaterThan(1);
  const steps = (await env.journal(invocationId)).map((entry) => entry.name);
  expect(steps).toContain('ai-sdk:mcp:list-tools');
  expect(steps.some((name) => name?.startsWith('ai-sdk:tool:shout:'))).toBe(true);
});
