export { ApprovalDecisionError } from './approval-decision-error.js';
export { InvalidModelAnswerError } from './invalid-model-answer-error.js';
export { JournalValueTooLargeError } from './journal-value-too-large-error.js';
export type { RepeatingFailureErrorOptions } from './repeating-failure-error.js';
export { RepeatingFailureError } from './repeating-failure-error.js';
export { ToolGaveUpError } from './tool-gave-up-error.js';
export { TurnAbortedError } from './turn-aborted-error.js';
