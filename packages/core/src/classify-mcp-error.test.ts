import { TerminalError } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { classifyMcpError } from './classify-mcp-error.js';

/** A JSON-RPC error as MCP clients raise it: the server's code on the error. */
const rpcError = (code: number, message: string) => Object.assign(new Error(message), { code });

describe('classifyMcpError', () => {
  it('a JSON-RPC error for a bad request is terminal', () => {
    expect(classifyMcpError(rpcError(-32602, 'Invalid params'))).toEqual({
      retryable: false,
      reason: 'bad-request',
    });
    expect(classifyMcpError(rpcError(-32002, 'Resource not found'))).toEqual({
      retryable: false,
      reason: 'not-found',
    });
  });

  it('finds the code under an SDK wrapper (Mastra wraps MCP errors in a MastraError with a cause)', () => {
    const wrapped = new Error('MCP_CLIENT_GET_TOOLS_FAILED', {
      cause: rpcError(-32601, 'Method not found'),
    });
    expect(classifyMcpError(wrapped)).toMatchObject({ retryable: false, reason: 'bad-request' });
  });

  it('an internal error, a 5xx or a broken connection is retried', () => {
    expect(classifyMcpError(rpcError(-32603, 'Internal error')).retryable).toBe(true);
    expect(
      classifyMcpError(Object.assign(new Error('Bad gateway'), { statusCode: 502 })).retryable,
    ).toBe(true);
    expect(classifyMcpError(new TypeError('fetch failed')).retryable).toBe(true);
  });

  it('a Restate control error stays one', () => {
    expect(classifyMcpError(new TerminalError('stop')).reason).toBe('restate-control');
  });
});
