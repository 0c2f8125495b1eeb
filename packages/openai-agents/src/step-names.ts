/**
 * Journal step names of this adapter, in one place. They are persisted in the journal of every in-flight
 * invocation: renaming one breaks their replay, so a change here is a breaking change.
 */
export const STEP_NAMES: {
  readonly model: string;
  readonly tool: (toolName: string) => string;
  readonly mcpList: (serverName: string) => string;
  readonly mcpCall: (serverName: string, toolName: string) => string;
} = {
  /** One model call (`getResponse`, or a collected `getStreamedResponse`). */
  model: 'openai-agents:model',
  /** The whole `execute` of a `durableTool`. */
  tool: (toolName: string): string => `openai-agents:tool:${toolName}`,
  /** The tool list of an agent's MCP server, once per runner. */
  mcpList: (serverName: string): string => `openai-agents:mcp:${serverName}:list`,
  /** One call of an MCP server's tool. */
  mcpCall: (serverName: string, toolName: string): string =>
    `openai-agents:mcp:${serverName}:${toolName}`,
};
