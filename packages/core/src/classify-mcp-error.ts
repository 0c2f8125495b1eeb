/**
 * Error classification (R2) for MCP clients, shared by every adapter that makes MCP calls durable: an MCP
 * client error carries the JSON-RPC error code the server answered (`code`: `@ai-sdk/mcp`'s `MCPClientError`,
 * `@modelcontextprotocol/*`'s `ProtocolError`, often wrapped by the SDK in front of it) apart from the HTTP
 * status (`statusCode`/`status`, which {@link classifyError} already reads).
 */
import { classifyError, type ErrorClassification } from './classify-error.js';
import { findControlError } from './control-errors.js';
import { findInErrorGraph } from './error-graph.js';

/**
 * JSON-RPC errors an MCP server answers for a request that is wrong, not for a passing fault: parse error,
 * invalid request, method not found, invalid params, resource not found, a client capability the request
 * lacks, an unsupported protocol version. Internal errors (-32603) and server-defined codes may pass and
 * are retried.
 */
const TERMINAL_JSON_RPC_CODES: ReadonlySet<number> = new Set([
  -32700, -32600, -32601, -32602, -32002, -32021, -32022,
]);

/**
 * {@link classifyError} for MCP client errors: a JSON-RPC error the server sent for a bad request is terminal
 * (it would repeat on every retry), also when an SDK wrapped it (`cause`, `error`, …); everything else (HTTP
 * status, network, timeout, a Restate control error) as core classifies it.
 */
export function classifyMcpError(error: unknown): ErrorClassification {
  if (findControlError(error) !== undefined) return classifyError(error);
  const rpc = findInErrorGraph(
    error,
    (node) => typeof node.code === 'number' && TERMINAL_JSON_RPC_CODES.has(node.code),
  );
  if (rpc !== undefined) {
    return { retryable: false, reason: rpc.code === -32002 ? 'not-found' : 'bad-request' };
  }
  return classifyError(error);
}
