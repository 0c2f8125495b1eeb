/**
 * MCP resources, resource templates and prompts (R9): each request to the server is one journaled step, so a
 * replay reads the same resource text and the same prompt messages even if the server changed meanwhile, and
 * does not ask the server again. The attempt's abort signal reaches the request. MCP client errors are
 * classified: a JSON-RPC error the server answered (invalid params, method or resource not found) repeats on
 * every retry and fails the step at once; a broken connection or a 5xx is retried.
 * Written against the shape of `@ai-sdk/mcp`'s `MCPClient`, so that package stays an optional peer.
 */
import { type DurableStepOptions, durableStep } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import type { ToolSet } from 'ai';
import { classifyMcpError } from './classify-mcp-error.js';
import { durableMcpTools, type McpToolSource } from './durable-mcp-tools.js';
import { STEP_NAMES } from './step-names.js';

/** The request options every `MCPClient` method takes; the step passes the attempt's abort signal in them. */
interface McpRequestOptions {
  signal?: AbortSignal;
  [key: string]: unknown;
}

/** What {@link durableMcpClient} needs of an `@ai-sdk/mcp` `MCPClient`. */
export interface McpClientSource<TOOLS extends ToolSet = ToolSet> extends McpToolSource<TOOLS> {
  listResources(options?: {
    params?: { cursor?: string };
    options?: McpRequestOptions;
  }): Promise<unknown>;
  readResource(args: { uri: string; options?: McpRequestOptions }): Promise<unknown>;
  listResourceTemplates(options?: { options?: McpRequestOptions }): Promise<unknown>;
  listPrompts(options?: {
    params?: { cursor?: string };
    options?: McpRequestOptions;
  }): Promise<unknown>;
  getPrompt(args: {
    name: string;
    arguments?: Record<string, unknown>;
    options?: McpRequestOptions;
  }): Promise<unknown>;
}

type Result<C, K extends keyof C> = C[K] extends (...args: never[]) => Promise<infer R> ? R : never;

/** The durable view of an MCP client that {@link durableMcpClient} returns: the same methods, journaled. */
export interface DurableMcpClient<C extends McpClientSource> {
  /** The server's tools, listed once ({@link durableMcpTools}); each call a durable tool step. */
  tools(): Promise<ReturnType<C['toolsFromDefinitions']>>;
  listResources(options?: { params?: { cursor?: string } }): Promise<Result<C, 'listResources'>>;
  readResource(args: { uri: string }): Promise<Result<C, 'readResource'>>;
  listResourceTemplates(): Promise<Result<C, 'listResourceTemplates'>>;
  listPrompts(options?: { params?: { cursor?: string } }): Promise<Result<C, 'listPrompts'>>;
  getPrompt(args: {
    name: string;
    arguments?: Record<string, unknown>;
  }): Promise<Result<C, 'getPrompt'>>;
}

/** Options of {@link durableMcpClient}: the retry cap and classification of every request's step. */
export type DurableMcpClientOptions = Omit<DurableStepOptions<unknown>, 'serde'>;

/**
 * An MCP client whose requests are journaled: resources, resource templates, prompts and the tool list each
 * one step (named `ai-sdk:mcp:<request>`), tool calls durable tool steps. Connecting is not journaled: it
 * happens again on each attempt, and is cheap.
 *
 * @example
 * const mcp = durableMcpClient(ctx, await createMCPClient({ transport: { type: 'http', url } }));
 * const { contents } = await mcp.readResource({ uri: 'file:///handbook.md' });
 * const result = await generateText(withRestate(ctx, { model, tools: await mcp.tools(), prompt }));
 */
export function durableMcpClient<C extends McpClientSource>(
  ctx: Context,
  client: C,
  options: DurableMcpClientOptions = {},
): DurableMcpClient<C> {
  const stepOptions = { classify: classifyMcpError, ...options };
  const request = <T>(name: string, send: (options: McpRequestOptions) => Promise<unknown>) =>
    durableStep(
      ctx,
      STEP_NAMES.mcp(name),
      async (signal) => (await send({ signal })) as T,
      stepOptions as DurableStepOptions<T>,
    );
  return {
    tools: () =>
      durableMcpTools(ctx, client, stepOptions) as Promise<ReturnType<C['toolsFromDefinitions']>>,
    listResources: (args = {}) =>
      request('list-resources', (options) => client.listResources({ ...args, options })),
    readResource: ({ uri }) =>
      request(`read-resource:${uri}`, (options) => client.readResource({ uri, options })),
    listResourceTemplates: () =>
      request('list-resource-templates', (options) => client.listResourceTemplates({ options })),
    listPrompts: (args = {}) =>
      request('list-prompts', (options) => client.listPrompts({ ...args, options })),
    getPrompt: (args) =>
      request(`get-prompt:${args.name}`, (options) => client.getPrompt({ ...args, options })),
  };
}
