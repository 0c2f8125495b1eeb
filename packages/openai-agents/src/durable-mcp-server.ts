/**
 * Rule R9 for an agent's local MCP servers (`mcpServers`): the tool list is fetched once per runner as one
 * journaled step, and every tool call is its own step, so a replay neither lists nor calls again. The
 * SDK's own tool-list cache is turned off on the proxy: it lives in the process, so it would skip the
 * listing on one attempt and not on another, and the journal would no longer line up.
 */
import type { MCPServer } from '@openai/agents-core';
import { durableStep, rethrowIfControl, stepFailureReason } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { STEP_NAMES } from './step-names.js';
import { SDK_DEFAULT_TOOL_ERROR_MESSAGE } from './tool.js';

const DURABLE_MCP = Symbol.for('restate-agents.openai-agents.durable-mcp-server');

type ErrorFunction = NonNullable<MCPServer['errorFunction']>;
type MCPTool = Awaited<ReturnType<MCPServer['listTools']>>[number];

/** `server` with `listTools` and `callTool` journaled; everything else forwarded. @internal */
export function durableMcpServer(ctx: Context, server: MCPServer): MCPServer {
  if ((server as { [DURABLE_MCP]?: true })[DURABLE_MCP]) return server;
  let listed: Promise<MCPTool[]> | undefined;
  const call =
    (method: 'callTool' | 'callToolResult') =>
    (
      toolName: string,
      args: Record<string, unknown> | null,
      meta?: Record<string, unknown> | null,
      options?: { signal?: AbortSignal },
    ): Promise<unknown> =>
      durableStep(ctx, STEP_NAMES.mcpCall(server.name, toolName), (attempt) =>
        (server[method] as NonNullable<MCPServer['callToolResult']>).call(
          server,
          toolName,
          args,
          meta,
          { signal: options?.signal ? AbortSignal.any([options.signal, attempt]) : attempt },
        ),
      );
  const overrides: Partial<Record<PropertyKey, unknown>> = {
    [DURABLE_MCP]: true,
    cacheToolsList: false,
    listTools: (): Promise<MCPTool[]> => {
      listed ??= (async () =>
        durableStep(ctx, STEP_NAMES.mcpList(server.name), () => server.listTools()))();
      return listed;
    },
    callTool: call('callTool') as MCPServer['callTool'],
    ...(server.callToolResult && { callToolResult: call('callToolResult') }),
    errorFunction: controlAware(server.errorFunction),
  };
  return new Proxy(server, {
    get(target, property) {
      if (property in overrides) return overrides[property];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The SDK turns every MCP tool failure into a message for the model. A terminal error, cancellation or
 * suspension must end the run instead (R4, R5); a step that gave up (retries exhausted, a non-retryable
 * error) still reaches the model, as the server's own failures do.
 */
function controlAware(errorFunction: MCPServer['errorFunction']): MCPServer['errorFunction'] {
  if (errorFunction === null) return null;
  return (({ context, error }) => {
    if (stepFailureReason(error) === undefined) rethrowIfControl(error);
    return errorFunction ? errorFunction({ context, error }) : SDK_DEFAULT_TOOL_ERROR_MESSAGE;
  }) satisfies ErrorFunction;
}
