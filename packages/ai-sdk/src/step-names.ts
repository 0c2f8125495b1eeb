/**
 * Every journal step name this adapter writes, in one place: they are persisted API. Renaming one makes
 * in-flight invocations fail their replay with a journal mismatch, so a change here is a breaking change.
 */
export const STEP_NAMES = {
  /** `doGenerate` of a durable model: `ai-sdk:generate:<modelId>`. */
  generate: (modelId: string): string => `ai-sdk:generate:${modelId}`,
  /** `doStream` of a durable model, the stream collected: `ai-sdk:stream:<modelId>`. */
  stream: (modelId: string): string => `ai-sdk:stream:${modelId}`,
  /** One execution of a durable tool, keyed by the model's tool call id. */
  tool: (toolName: string | undefined, toolCallId: string): string =>
    toolName === undefined ? `ai-sdk:tool:${toolCallId}` : `ai-sdk:tool:${toolName}:${toolCallId}`,
  /** `doEmbed` of a durable embedding model. */
  embed: (modelId: string): string => `ai-sdk:embed:${modelId}`,
  /** The tool definitions an MCP server listed. */
  mcpList: 'ai-sdk:mcp:list-tools',
  /** One other MCP request (`list-resources`, `read-resource:<uri>`, `get-prompt:<name>`, …). */
  mcp: (request: string): string => `ai-sdk:mcp:${request}`,
} as const;
