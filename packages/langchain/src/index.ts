export type {
  ChatModelLike,
  DurableChatModelOptions,
  JournaledChatMessage,
} from './durable-chat-model.js';
export { DurableChatModel, durableChatModel } from './durable-chat-model.js';
export type { DurableToolOptions } from './durable-tool.js';
export { durableTool } from './durable-tool.js';
export { REPEATING_FAILURES } from './repeating-failures.js';
export type { RestateChatMessageHistoryOptions } from './restate-chat-message-history.js';
export { RestateChatMessageHistory } from './restate-chat-message-history.js';
export type { RestateMiddlewareOptions, ToolApprovalDetails } from './restate-middleware.js';
export { restateMiddleware } from './restate-middleware.js';
export { STEP_NAMES } from './step-names.js';
