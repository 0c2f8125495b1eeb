export { isLive, liveOnly } from '@restate-agents/core';
export type { ChatHistoryOptions } from './chat-history.js';
export { chatHistory } from './chat-history.js';
export { classifyMcpError } from './classify-mcp-error.js';
export type { DurableEmbeddingModelOptions } from './durable-embedding-model.js';
export { durableEmbeddingModel } from './durable-embedding-model.js';
export type {
  DurableMcpClient,
  DurableMcpClientOptions,
  McpClientSource,
} from './durable-mcp-client.js';
export { durableMcpClient } from './durable-mcp-client.js';
export type {
  DurableMcpToolsOptions,
  McpToolList,
  McpToolSource,
} from './durable-mcp-tools.js';
export { durableMcpTools } from './durable-mcp-tools.js';
export type { DurableMediaModelOptions } from './durable-media-models.js';
export {
  durableImageModel,
  durableRerankingModel,
  durableSpeechModel,
  durableTranscriptionModel,
  durableVideoModel,
} from './durable-media-models.js';
export type {
  DurableModelOptions,
  JournaledGenerateResult,
  JournaledStream,
  ModelStepOptions,
} from './durable-model.js';
export { durableModel, durableModelMiddleware } from './durable-model.js';
export type { DurableToolOptions } from './durable-tool.js';
export { durableTool, durableTools } from './durable-tool.js';
export type { ChatHandlers, ChatHandlersOptions } from './live/chat-handlers.js';
export { createChatHandlers } from './live/chat-handlers.js';
export type {
  PipeUIMessageStreamOptions,
  UIMessageStreamSource,
} from './live/pipe-ui-message-stream.js';
export { orderPreviewsBehindPipe, pipeUIMessageStream } from './live/pipe-ui-message-stream.js';
export { liveTelemetry } from './live-telemetry.js';
export { STEP_NAMES } from './step-names.js';
export type {
  DurableCallSettings,
  ToolApprovalDetails,
  WithRestateOptions,
} from './with-restate.js';
export { withRestate } from './with-restate.js';
