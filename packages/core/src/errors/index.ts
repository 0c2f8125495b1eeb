export { ApprovalDecisionError } from './approval-decision-error.js';
export { JournalValueTooLargeError } from './journal-value-too-large-error.js';
export { TurnAbortedError } from './turn-aborted-error.js';
