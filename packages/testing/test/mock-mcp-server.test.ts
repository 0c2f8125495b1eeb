import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  MOCK_MCP_SESSION_HEADER,
  type MockMcpServer,
  startMockMcpServer,
} from '../src/mock-mcp-server.js';

let mcp: MockMcpServer;
let overloaded = true;

beforeAll(async () => {
  mcp = await startMockMcpServer({
    answer(request, session) {
      if (request.method === 'tools/list' && session === 'flaky' && overloaded) {
        overloaded = false;
        return { status: 503, body: 'overloaded' };
      }
      if (request.method === 'tools/call') {
        return { result: { echoed: request.params?.arguments?.text, session } };
      }
      return undefined;
    },
    capabilities: { tools: {}, prompts: {} },
  });
});
afterAll(() => mcp.close());

const post = (session: string, body: unknown) =>
  fetch(mcp.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [MOCK_MCP_SESSION_HEADER]: session },
    body: JSON.stringify(body),
  });

it('answers JSON-RPC requests of each conversation (initialize and unknown methods by itself) and counts them; notifications get 202 and are not counted', async () => {
  const call = await post('a', {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'shout', arguments: { text: 'hi' } },
  });
  expect(await call.json()).toEqual({
    jsonrpc: '2.0',
    id: 1,
    result: { echoed: 'hi', session: 'a' },
  });
  const unknown = await post('a', { jsonrpc: '2.0', id: 2, method: 'nope' });
  expect(await unknown.json()).toMatchObject({
    id: 2,
    error: { code: -32601, message: 'Method not found: nope' },
  });
  const handshake = await post('a', { jsonrpc: '2.0', id: 3, method: 'initialize' });
  expect(await handshake.json()).toMatchObject({
    id: 3,
    result: { protocolVersion: '2025-06-18', capabilities: { tools: {}, prompts: {} } },
  });
  const notification = await post('a', { jsonrpc: '2.0', method: 'notifications/initialized' });
  expect(notification.status).toBe(202);
  expect(mcp.served('a')).toEqual(['tools/call', 'nope', 'initialize']);
  expect(mcp.timesServed('a', 'tools/call')).toBe(1);
  expect(mcp.served('b')).toEqual([]);
});

it('an HTTP failure answer replaces the JSON-RPC answer; other HTTP methods get 405', async () => {
  const failed = await post('flaky', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  expect(failed.status).toBe(503);
  expect(await failed.text()).toBe('overloaded');
  const retried = await post('flaky', { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  expect(retried.status).toBe(200);
  expect(mcp.timesServed('flaky', 'tools/list')).toBe(2);
  expect((await fetch(mcp.url)).status).toBe(405);
});
