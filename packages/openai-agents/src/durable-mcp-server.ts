/**
 * Rule R9 for an agent's local MCP servers (`mcpServers`): the tool list is fetched once per runner as one
 * journaled step, and every tool call is its own step under the tool-call contract (core's
 * `durableToolStep`), so a replay neither lists nor calls again. The SDK's own tool-list cache is turned
 * off on the proxy: it lives in the process, so it would skip the listing on one attempt and not on
 * another, and the journal would no longer line up. The SDK does not hand the model's call id to the
 * server, so call steps are keyed by core's replay-stable id source instead.
 */
import type { MCPServer } from '@openai/agents-core';
import {
  durableStep,
  durableToolCall,
  idSource,
  isDurable,
  markDurable,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { STEP_NAMES } from './step-names.js';
import { modelToolError } from './tool.js';

type ErrorFunction = NonNullable<MCPServer['errorFunction']>;
type MCPTool = Awaited<ReturnType<MCPServer['listTools']>>[number];

/** `server` with `listTools` and `callTool` journaled; everything else forwarded. @internal */
export function durableMcpServer(ctx: Context, server: MCPServer): MCPServer {
  if (isDurable(server, 'mcp-server')) return server;
  let listed: Promise<MCPTool[]> | undefined;
  const call =
    (method: 'callTool' | 'callToolResult') =>
    (
      toolName: string,
      args: Record<string, unknown> | null,
      meta?: Record<string, unknown> | null,
      options?: { signal?: AbortSignal },
    ): Promise<unknown> => {
      const id = idSource(ctx).id({
        scope: `openai-agents:mcp:${server.name}:${toolName}`,
        size: 12,
      });
      return durableToolCall(
        ctx,
        STEP_NAMES.mcpCall(server.name, toolName, id),
        toolName,
        (signal) =>
          (server[method] as NonNullable<MCPServer['callToolResult']>).call(
            server,
            toolName,
            args,
            meta,
            { signal },
          ),
        options?.signal ? { signal: options.signal } : {},
      );
    };
  const overrides: Partial<Record<PropertyKey, unknown>> = {
    cacheToolsList: false,
    listTools: (): Promise<MCPTool[]> => {
      listed ??= (async () =>
        durableStep(ctx, STEP_NAMES.mcpList(server.name), () => server.listTools()))();
      return listed;
    },
    callTool: call('callTool') as MCPServer['callTool'],
    ...(server.callToolResult && { callToolResult: call('callToolResult') }),
    // A terminal error, cancellation or suspension ends the run instead of becoming a message (R4, R5).
    errorFunction: mcpErrorFunction(server.errorFunction),
  };
  // The brand (and any property set on the proxy) stays on the proxy: the user's server object is shared by
  // every invocation and must stay unwrapped for the next runner.
  const own: object = {};
  const proxy = new Proxy(server, {
    defineProperty: (_target, property, descriptor) =>
      Reflect.defineProperty(own, property, descriptor),
    get(target, property) {
      if (Object.hasOwn(own, property)) return Reflect.get(own, property);
      if (property in overrides) return overrides[property];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return markDurable(proxy, 'mcp-server');
}

function mcpErrorFunction(custom: MCPServer['errorFunction']): MCPServer['errorFunction'] {
  if (custom === null) return null;
  return (({ context, error }) =>
    modelToolError(error, custom && (() => custom({ context, error })))) satisfies ErrorFunction;
}
