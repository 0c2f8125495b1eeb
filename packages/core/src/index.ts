export type {
  ApprovalDecision,
  ApprovalOptions,
  ApprovalRejection,
  PendingApproval,
} from './approval.js';
export { parseApprovalDecision, rejectionMessage, requestApproval } from './approval.js';
export type { DurableKind } from './brand.js';
export { brand, hasBrand, isDurable, markDurable } from './brand.js';
export type { ErrorClassification, ErrorReason } from './classify-error.js';
export { classifyError, readRetryAfterMs } from './classify-error.js';
export { classifyMcpError } from './classify-mcp-error.js';
export { assertConcurrency } from './concurrency.js';
export type { ControlErrorKind, RestateControlError } from './control-errors.js';
export {
  ControlErrorLatch,
  controlErrorKind,
  findControlError,
  isRestateControlError,
  rethrowIfControl,
} from './control-errors.js';
export type { IdGeneratorOptions, IdSource } from './deterministic-values.js';
export {
  createIdGenerator,
  idSource,
  journaledDate,
  journaledNow,
} from './deterministic-values.js';
export type { DurableStepOptions, StepFailureReason } from './durable-step.js';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_VALUE_BYTES,
  durableStep,
  durationToMs,
  STEP_FAILURE_REASON_KEY,
  stepFailureReason,
} from './durable-step.js';
export type { DurableToolCallOptions } from './durable-tool-call.js';
export { durableToolCall } from './durable-tool-call.js';
export type { DurableToolStepOptions, ToolStepOutcome } from './durable-tool-step.js';
export { asToolGaveUp, durableToolStep } from './durable-tool-step.js';
export type { WalkErrorGraphOptions } from './error-graph.js';
export {
  findInErrorGraph,
  MAX_ERROR_GRAPH_DEPTH,
  WRAPPED_ERROR_KEYS,
  walkErrorGraph,
} from './error-graph.js';
export type { RepeatingFailureErrorOptions } from './errors/index.js';
export {
  ApprovalDecisionError,
  InvalidModelAnswerError,
  JournalValueTooLargeError,
  RepeatingFailureError,
  ToolGaveUpError,
  TurnAbortedError,
} from './errors/index.js';
export type { JournalSerdeOptions } from './journal-serde.js';
export { createJournalSerde, journalSerde, toJsonValue } from './journal-serde.js';
export { AGENT_STREAM_OBJECT } from './live/agent-stream-constants.js';
export type {
  AgentStreamHandlers,
  AgentStreamObject,
  AgentStreamObjectOptions,
} from './live/agent-stream-object.js';
export { agentStreamObject } from './live/agent-stream-object.js';
export type { LiveChunks, TextPreview } from './live/live-step.js';
export { endLiveTurn, liveChunks, liveModelStep, textPreview } from './live/live-step.js';
export type {
  LiveAttempt,
  LiveSegment,
  LiveStream,
  LiveStreamOptions,
} from './live/live-stream.js';
export { liveStream } from './live/live-stream.js';
export type { LogMeta, SegState, TurnState } from './live/log-rules.js';
export { applyRecords, emptyMeta, isPreviewChunk, planRead } from './live/log-rules.js';
export type { StreamClient, StreamClientOptions, StreamFrame } from './live/stream-client.js';
export { streamClient } from './live/stream-client.js';
export type {
  LiveReceipt,
  ReadRequest,
  ReadResult,
  StreamChunk,
  StreamRecord,
  TurnInfo,
} from './live/stream-records.js';
export { isLive, liveOnly } from './live-callbacks.js';
export type {
  CallOutcome,
  ExecuteInOrderOptions,
  OrderedGateOptions,
} from './ordered-execution.js';
export {
  executeInOrder,
  OrderedGate,
  StepBatch,
  stepBatch,
  Turnstile,
} from './ordered-execution.js';
export type { RepeatingErrorMatcher } from './repeating-failure.js';
export {
  asRepeatingFailure,
  assertInput,
  invalidOption,
  rethrowIfRepeating,
} from './repeating-failure.js';
export { agentRetryPolicy } from './retry-policy.js';
export type { ListStore, ListStoreOptions, RecordStore } from './session-store.js';
export { DEFAULT_CHUNK_SIZE, listStore, recordStore } from './session-store.js';
export { modelStepName, nextModelStepName, toolStepName } from './step-names.js';
export { withStepSignal } from './step-signal.js';
