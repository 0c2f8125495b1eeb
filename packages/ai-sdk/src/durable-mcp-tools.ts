/**
 * MCP tools (R9): the tool list an MCP server offers is journaled once, so the model sees the same tools on
 * replay even if the server changed, and every tool call is one journaled step keyed by the call id.
 * Written against the shape of `@ai-sdk/mcp`'s `MCPClient`, so that package stays an optional peer.
 */
import { durableStep } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import type { ToolSet } from 'ai';
import { classifyMcpError } from './classify-mcp-error.js';
import { type DurableToolOptions, durableTools } from './durable-tool.js';
import { STEP_NAMES } from './step-names.js';

/** One page of an MCP server's tool list, as `MCPClient.listTools` returns it. */
export interface McpToolList {
  tools: unknown[];
  nextCursor?: string;
  [key: string]: unknown;
}

/** What {@link durableMcpTools} needs of an `@ai-sdk/mcp` `MCPClient`. */
export interface McpToolSource<TOOLS extends ToolSet = ToolSet> {
  listTools(options?: {
    params?: { cursor?: string };
    options?: { signal?: AbortSignal };
  }): Promise<McpToolList>;
  toolsFromDefinitions(definitions: McpToolList): TOOLS;
}

/** Options of {@link durableMcpTools}: the retry cap of the list step and of each tool call. */
export type DurableMcpToolsOptions = Omit<DurableToolOptions, 'name'>;

/**
 * The tools of an MCP server, durable: the list (all pages) journaled as one step, each call a durable
 * tool step. Connecting the client is not journaled: it happens again on each attempt, and is cheap.
 *
 * @example
 * const client = await createMCPClient({ transport: { type: 'http', url } });
 * const tools = await durableMcpTools(ctx, client);
 */
export async function durableMcpTools<TOOLS extends ToolSet>(
  ctx: Context,
  client: McpToolSource<TOOLS>,
  options: DurableMcpToolsOptions = {},
): Promise<TOOLS> {
  const definitions = await durableStep(
    ctx,
    STEP_NAMES.mcpList,
    async (signal): Promise<McpToolList> => {
      const first = await client.listTools({ options: { signal } });
      const tools = [...first.tools];
      let cursor = first.nextCursor;
      while (cursor !== undefined) {
        const page = await client.listTools({ params: { cursor }, options: { signal } });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      }
      return { tools };
    },
    { classify: classifyMcpError, ...options },
  );
  return durableTools(ctx, client.toolsFromDefinitions(definitions), {
    classify: classifyMcpError,
    ...options,
  });
}
