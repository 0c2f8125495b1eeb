/**
 * Error classification (R2) for MCP clients: `@ai-sdk/mcp`'s `MCPClientError` carries the JSON-RPC error code
 * the server answered (`code`) apart from the HTTP status (`statusCode`, which core already reads).
 */
import { classifyError, type ErrorClassification } from '@restate-agents/core';

/**
 * JSON-RPC errors an MCP server answers for a request that is wrong, not for a passing fault: parse error,
 * invalid request, method not found, invalid params, resource not found. Internal errors (-32603) and
 * server-defined codes may pass and are retried.
 */
const TERMINAL_JSON_RPC_CODES: ReadonlySet<number> = new Set([
  -32700, -32600, -32601, -32602, -32002,
]);

/**
 * {@link classifyError} for MCP client errors: a JSON-RPC error the server sent for a bad request is terminal
 * (it would repeat on every retry); everything else (HTTP status, network, timeout) as core classifies it.
 */
export function classifyMcpError(error: unknown): ErrorClassification {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && TERMINAL_JSON_RPC_CODES.has(code)) {
    return { retryable: false, reason: code === -32002 ? 'not-found' : 'bad-request' };
  }
  return classifyError(error);
}
