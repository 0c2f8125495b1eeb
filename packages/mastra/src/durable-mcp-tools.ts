/**
 * MCP tools (R9) of `@mastra/mcp`'s `MCPClient`. Its `listTools()` asks every configured server for its tools
 * on each call — a replay could see a different list than the model was shown — and it skips a server that
 * fails to answer, silently. Here the catalog (every server's tool definitions, plain JSON) is one journaled
 * step, `mastra:mcp:list-tools`; a server that fails fails the step, which is retried or, for an error that
 * would repeat, ends at once. The tools are rebuilt from the journaled definitions with Mastra's own
 * `toolsFromDefinition`, which opens no connection (a replay talks to no server at all), and each call is a
 * durable tool step (`mastra:tool:<server>_<tool>:<toolCallId>`).
 *
 * MCP errors are classified (core's `classifyMcpError`): a JSON-RPC error for a bad request (unknown tool or
 * method, invalid params, …) is not retried, a broken connection or a 5xx is. A tool the server ran and
 * reported as failed (`isError`, which Mastra throws as `MCP_CLIENT_TOOL_EXECUTION_FAILED` by default) is
 * not retried either — it ran — and the model is told, as for any durable tool that gives up.
 *
 * Written against the shape of `@mastra/mcp`'s `MCPClient`, so that package stays optional.
 */

import {
  classifyMcpError,
  durableStep,
  type ErrorClassification,
  findInErrorGraph,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { type DurableToolOptions, durableTool, type MastraTool } from './durable-tool.js';
import { STEP_NAMES } from './step-names.js';

/** One server's failure, as `MCPClient.listToolDefinitionsWithErrors` reports it. */
interface McpDiscoveryError {
  message: string;
  httpStatus?: number;
  code?: string | number;
}

/** Every server's tool definitions (plain JSON), keyed by server name, then by the server's tool name. */
export type McpToolCatalog = Record<string, Record<string, object>>;

/** What {@link durableMcpTools} needs of an `@mastra/mcp` `MCPClient`. */
export interface MastraMcpToolSource<TOOL extends MastraTool = MastraTool> {
  listToolDefinitionsWithErrors(): Promise<{
    definitions: McpToolCatalog;
    errors?: Record<string, string>;
    errorDetails?: Record<string, McpDiscoveryError>;
  }>;
  toolFromDefinition(args: {
    serverName: string;
    // biome-ignore lint/suspicious/noExplicitAny: Mastra's definition type; the catalog is journaled as is.
    definition: any;
  }): Promise<TOOL>;
}

/** Options of {@link durableMcpTools}: the retry cap and classification of the list step and of each call. */
export type DurableMcpToolsOptions = Omit<DurableToolOptions, 'name'>;

/** One MCP server that did not list its tools, with what it answered (read by `classifyMcpError`). */
export class McpServerListError extends Error {
  override readonly name = 'McpServerListError';
  readonly server: string;
  readonly statusCode: number | undefined;
  readonly code: string | number | undefined;

  constructor(server: string, detail: McpDiscoveryError) {
    super(`MCP server "${server}" did not list its tools: ${detail.message}`);
    this.server = server;
    this.statusCode = detail.httpStatus;
    this.code = detail.code;
  }
}

/**
 * {@link classifyMcpError} for `@mastra/mcp`: a tool the server ran and reported as failed is not retried
 * (it ran; its error goes to the model), everything else as core classifies MCP errors.
 */
export function classifyMastraMcpError(error: unknown): ErrorClassification {
  const reported = findInErrorGraph(
    error,
    (node) => node.id === 'MCP_CLIENT_TOOL_EXECUTION_FAILED',
  );
  if (reported !== undefined) return { retryable: false, reason: 'unprocessable' };
  return classifyMcpError(error);
}

/**
 * The MCP servers' tools as `MCPClient.listTools()` returns them (keys `<server>_<tool>`), durable: the
 * catalog listed once per invocation as one journaled step, each call a durable tool step. Give them to the
 * agent (`tools`) or to one run (`toolsets: { mcp: await durableMcpTools(ctx, mcp) }`).
 *
 * @example
 * const mcp = new MCPClient({ servers: { weather: { url: new URL('https://weather.example/mcp') } } });
 * const agent = new Agent({ …, model: durableModel(ctx, model), tools: await durableMcpTools(ctx, mcp) });
 */
export async function durableMcpTools<TOOL extends MastraTool>(
  ctx: Context,
  client: MastraMcpToolSource<TOOL>,
  options: DurableMcpToolsOptions = {},
): Promise<Record<string, TOOL>> {
  const toolsets = await durableMcpToolsets(ctx, client, options);
  const tools: Record<string, TOOL> = {};
  for (const [server, set] of Object.entries(toolsets)) {
    for (const [name, tool] of Object.entries(set)) tools[`${server}_${name}`] = tool;
  }
  return tools;
}

/**
 * The MCP servers' tools grouped by server, as `MCPClient.listToolsets()` returns them (for the `toolsets`
 * call option), durable as {@link durableMcpTools}.
 *
 * @example
 * await durableAgent(ctx, agent).generate(message, { toolsets: await durableMcpToolsets(ctx, mcp) });
 */
export async function durableMcpToolsets<TOOL extends MastraTool>(
  ctx: Context,
  client: MastraMcpToolSource<TOOL>,
  options: DurableMcpToolsOptions = {},
): Promise<Record<string, Record<string, TOOL>>> {
  const stepOptions = { classify: classifyMastraMcpError, ...options };
  const catalog = await durableStep(
    ctx,
    STEP_NAMES.mcpListTools,
    async (): Promise<McpToolCatalog> => {
      const {
        definitions,
        errorDetails = {},
        errors = {},
      } = await client.listToolDefinitionsWithErrors();
      // Mastra skips a server that failed; a journaled catalog without it would hide it for the whole run.
      for (const server of new Set([...Object.keys(errorDetails), ...Object.keys(errors)])) {
        throw new McpServerListError(
          server,
          errorDetails[server] ?? { message: errors[server] ?? 'unknown error' },
        );
      }
      return definitions;
    },
    stepOptions,
  );
  const toolsets: Record<string, Record<string, TOOL>> = {};
  for (const [serverName, definitions] of Object.entries(catalog)) {
    const set: Record<string, TOOL> = {};
    for (const [name, definition] of Object.entries(definitions)) {
      // The tool's id is `<server>_<tool>` (Mastra's), so its steps are `mastra:tool:<server>_<tool>:<callId>`.
      set[name] = durableTool(
        await client.toolFromDefinition({ serverName, definition }),
        stepOptions,
      );
    }
    toolsets[serverName] = set;
  }
  return toolsets;
}
