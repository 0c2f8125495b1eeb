/**
 * Every journal step name this adapter writes, in one place: they are persisted API. Renaming one makes
 * in-flight invocations fail their replay with a journal mismatch, so a change here is a breaking change.
 */
/** The `<sdk>` part of core's step-name scheme: model calls are `ai-sdk:model:<n>` (core's `modelStepName`),
 * durable tool executions `ai-sdk:tool:<name>:<toolCallId>` (core's `toolStepName`). */
export const SDK = 'ai-sdk';

/** The adapter's other steps. */
export const STEP_NAMES = {
  /** A call of a durable image, speech, transcription, reranking or video model: `ai-sdk:<kind>:<modelId>`. */
  media: (kind: string, modelId: string): string => `ai-sdk:${kind}:${modelId}`,
  /** `doEmbed` of a durable embedding model. */
  embed: (modelId: string): string => `ai-sdk:embed:${modelId}`,
  /** The tool definitions an MCP server listed. */
  mcpList: 'ai-sdk:mcp:list-tools',
  /** One other MCP request (`list-resources`, `read-resource:<uri>`, `get-prompt:<name>`, …). */
  mcp: (request: string): string => `ai-sdk:mcp:${request}`,
} as const;
