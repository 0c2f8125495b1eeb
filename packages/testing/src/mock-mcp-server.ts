/**
 * A tiny MCP server on loopback for tests of durable MCP clients: JSON-RPC over streamable HTTP with plain
 * JSON answers (no SSE, no sessions of its own), answered by the test, with latency, and a record of every
 * request it answered per conversation.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The header that names a request's conversation, so one server serves every test of a file. */
export const MOCK_MCP_SESSION_HEADER = 'x-session';

/** A JSON-RPC request as the MCP client sent it (`id` absent for a notification). */
export interface MockMcpRequest {
  id?: number | string;
  method: string;
  params?: {
    /** A tool's or prompt's name. */
    name?: string;
    /** A resource's URI. */
    uri?: string;
    arguments?: Record<string, unknown>;
    [field: string]: unknown;
  };
}

/**
 * What the server answers a request with: a JSON-RPC result or error, or an HTTP failure (`status`, with
 * `body` as plain text) in place of any JSON-RPC answer.
 */
export type MockMcpAnswer =
  | { result: unknown }
  | { error: { code: number; message: string; data?: unknown } }
  | { status: number; body?: string };

/** Options of {@link startMockMcpServer}. */
export interface StartMockMcpServerOptions {
  /**
   * Answers a request (not called for notifications) of the conversation `session` (the
   * {@link MOCK_MCP_SESSION_HEADER} header); called once the latency has passed. `undefined` leaves it to the
   * server: `initialize` gets the handshake (protocol `2025-06-18`, {@link StartMockMcpServerOptions.capabilities}),
   * any other method the JSON-RPC error `-32601` (method not found).
   */
  answer(request: MockMcpRequest, session: string): MockMcpAnswer | undefined;
  /** The capabilities the `initialize` handshake announces; default `{ tools: {} }`. */
  capabilities?: Record<string, object>;
  /** How long each answer takes, so a request repeated by a replay would be noticed; default 20 ms. */
  latencyMs?: number;
}

function defaultAnswer(
  request: MockMcpRequest,
  capabilities: Record<string, object> = { tools: {} },
): MockMcpAnswer {
  if (request.method === 'initialize') {
    return {
      result: {
        protocolVersion: '2025-06-18',
        capabilities,
        serverInfo: { name: 'loopback-mcp', version: '1.0.0' },
      },
    };
  }
  return { error: { code: -32601, message: `Method not found: ${request.method}` } };
}

/** A running {@link startMockMcpServer}. */
export interface MockMcpServer {
  /** `http://127.0.0.1:<port>/mcp`, the streamable HTTP endpoint. */
  url: string;
  /** The JSON-RPC methods of the conversation's requests, in the order they arrived (notifications left out). */
  served(session: string): string[];
  /** How many requests of the conversation had this method. */
  timesServed(session: string, method: string): number;
  close(): Promise<void>;
}

/**
 * Starts an MCP server on a free loopback port. Each JSON-RPC request (a POST) is recorded under its
 * conversation, then answered by `options.answer` after the latency (the `initialize` handshake and "method not
 * found" by the server itself, where `answer` leaves them); a notification gets `202` at once; any other HTTP
 * method `405`.
 *
 * @example
 * const mcp = await startMockMcpServer({
 *   answer: (request) => (request.method === 'tools/list' ? { result: { tools } } : undefined),
 * });
 * // a client with { url: mcp.url, headers: { [MOCK_MCP_SESSION_HEADER]: key } }
 * expect(mcp.timesServed(key, 'tools/list')).toBe(1);
 */
export async function startMockMcpServer(
  options: StartMockMcpServerOptions,
): Promise<MockMcpServer> {
  const latencyMs = options.latencyMs ?? 20;
  const served = new Map<string, string[]>();
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    const session = String(request.headers[MOCK_MCP_SESSION_HEADER]);
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const rpc = JSON.parse(body) as MockMcpRequest;
      if (rpc.id === undefined) {
        response.writeHead(202).end();
        return;
      }
      served.set(session, [...(served.get(session) ?? []), rpc.method]);
      setTimeout(() => {
        const answer = options.answer(rpc, session) ?? defaultAnswer(rpc, options.capabilities);
        if ('status' in answer) {
          response.writeHead(answer.status).end(answer.body);
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, ...answer }));
      }, latencyMs);
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    served: (session) => [...(served.get(session) ?? [])],
    timesServed: (session, method) =>
      (served.get(session) ?? []).filter((name) => name === method).length,
    close: () => {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections of MCP clients would hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
