export type { ApprovalDecision, PendingApproval, RequestApprovalOptions } from './approval.js';
export { parseApprovalDecision, requestApproval } from './approval.js';
export type { ErrorClassification, ErrorReason } from './classify-error.js';
export { classifyError, readRetryAfterMs } from './classify-error.js';
export type { ControlErrorKind, RestateControlError } from './control-errors.js';
export {
  ControlErrorLatch,
  controlErrorKind,
  findControlError,
  isRestateControlError,
  rethrowIfControl,
} from './control-errors.js';
export type { IdGeneratorOptions } from './deterministic-values.js';
export {
  createIdGenerator,
  deterministicUuid,
  journaledDate,
  journaledNow,
} from './deterministic-values.js';
export type { DurableStepOptions, StepFailureReason } from './durable-step.js';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_VALUE_BYTES,
  durableStep,
  stepFailureReason,
} from './durable-step.js';
export {
  ApprovalDecisionError,
  JournalValueTooLargeError,
  TurnAbortedError,
} from './errors/index.js';
export type { JournalSerdeOptions } from './journal-serde.js';
export { createJournalSerde, journalSerde } from './journal-serde.js';
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
export type { ListStore, ListStoreOptions, RecordStore } from './session-store.js';
export { DEFAULT_CHUNK_SIZE, listStore, recordStore } from './session-store.js';
