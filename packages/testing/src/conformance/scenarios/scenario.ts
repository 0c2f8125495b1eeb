import type { ScenarioContext } from '../harness.js';

/** The name of a conformance scenario. */
export type ScenarioName =
  | 'multi-step-tool-loop'
  | 'two-tool-calls-in-one-turn'
  | 'crash-mid-loop'
  | 'terminal-error-from-tool'
  | 'cancellation-mid-loop'
  | 'retry-cap-exhausted'
  | 'non-retryable-401'
  | 'retry-after-honoured'
  | 'streaming-api'
  | 'approval-approved'
  | 'approval-rejected'
  | 'session-state'
  | 'invalid-tool-arguments'
  | 'tool-step-gives-up'
  | 'attempt-aborted';

/** One conformance scenario: a name, what it proves, and the check itself (throws on failure). */
export interface Scenario {
  name: ScenarioName;
  title: string;
  /**
   * The scenario kills (or restarts) the shared service process: it runs alone. Every other scenario
   * uses only its own session key and model name, so those run side by side.
   */
  exclusive?: boolean;
  run(context: ScenarioContext): Promise<void>;
}
