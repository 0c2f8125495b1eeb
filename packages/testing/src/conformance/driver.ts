import type { ScenarioName } from './scenarios/index.js';

/**
 * What an adapter gives the conformance suite: a service entry that serves `CONFORMANCE_OBJECT`
 * following the contract in `contract.ts`, built with the adapter's own API — every tool of
 * `CONFORMANCE_TOOLS` (`give_up` as the adapter's durable tool) and every field of `ConformanceInput`
 * (`modelAttemptTimeoutMs` as the model steps' `attemptTimeout`).
 */
export interface ConformanceDriver {
  /** Shown in test names, e.g. `'ai-sdk (generateText)'`. */
  name: string;
  /**
   * Absolute path of a `.ts`/`.js` module that serves the contract's Virtual Object on
   * `process.env.PORT`; it runs in a child process that the suite kills and restarts.
   */
  serviceEntry: string;
  /** Extra environment for the service process (e.g. which API flavour to use). */
  env?: Record<string, string>;
  /** Scenarios that do not apply to this SDK, each with the reason (shown as a skipped test). */
  skip?: Partial<Record<ScenarioName, string>>;
}

/** The two ways every scenario runs: plain, and suspending at every await (replaying each step). */
export type ConformanceMode = 'normal' | 'always-replay';
