import { approvalRejected, approvalResumed } from './approval.js';
import { cancellationMidLoop } from './cancellation.js';
import { crashMidLoop } from './crash.js';
import {
  nonRetryableStatus,
  retryAfterHonoured,
  retryCapExhausted,
  terminalErrorFromTool,
} from './errors.js';
import type { Scenario } from './scenario.js';
import { sessionKeptAcrossInvocations } from './session.js';
import { streamingApi } from './streaming.js';
import { attemptAborted, toolStepGivesUp } from './tool-contract.js';
import { invalidToolArguments, multiStepToolLoop, twoToolCallsInOneTurn } from './tool-loop.js';

/** Every scenario an adapter must pass (docs/testing.md, "The conformance suite"), in the order they run. */
export const conformanceScenarios: readonly Scenario[] = [
  multiStepToolLoop,
  twoToolCallsInOneTurn,
  crashMidLoop,
  terminalErrorFromTool,
  cancellationMidLoop,
  retryCapExhausted,
  nonRetryableStatus,
  retryAfterHonoured,
  streamingApi,
  approvalResumed,
  approvalRejected,
  sessionKeptAcrossInvocations,
  invalidToolArguments,
  toolStepGivesUp,
  attemptAborted,
];

export type { Scenario, ScenarioName } from './scenario.js';
