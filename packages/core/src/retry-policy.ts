/**
 * The invocation retry policy for agent handlers: what Restate does when a whole attempt of the handler
 * fails, as opposed to one step inside it.
 */
import type { RetryPolicy } from '@restatedev/restate-sdk';

/**
 * The invocation retry policy recommended for every handler that runs an agent: retry a failed attempt with
 * exponential back-off from 500 ms to 60 s, 30 attempts in all (about 23 minutes), then **kill** the
 * invocation, so its caller receives the last error. Set it on the service or handler:
 * `restate.object({ name, handlers, options: { retryPolicy: agentRetryPolicy } })`.
 *
 * Why not Restate's default: restate-server retries 70 times and then **pauses** the invocation
 * (`on-max-attempts = "pause"`). A paused agent is stuck: its caller waits, and nothing happens until
 * someone resumes or kills it by hand. Restate documents `kill` as the alternative; an agent should use it,
 * because what is left for this policy to retry cannot be fixed by waiting longer:
 * - failures that can only repeat (the model looping, a tool that does not exist, bad input) already end
 *   the invocation as a `TerminalError`, and each step's retries are capped by the step itself
 *   (`durableStep`'s `maxRetryAttempts`); step retries are scheduled by the step's own policy and do not
 *   use up these attempts;
 * - what does use them up is an attempt that died: the service crashed or was unreachable (a deploy, an
 *   outage: 23 minutes of them are ridden out), Restate aborted an attempt that stopped making progress
 *   (`inactivityTimeout` + `abortTimeout`), or an unexpected error escaped outside any step.
 *
 * Frozen: spread it to change a field, e.g. `{ ...agentRetryPolicy, maxAttempts: 100 }`. Fields are sent
 * to the server at registration (restate-server 1.5 or newer); a server-side
 * `max-retry-policy-max-attempts` may lower `maxAttempts`.
 *
 * @example
 * const agent = restate.object({
 *   name: 'agent',
 *   handlers: { run },
 *   options: { retryPolicy: agentRetryPolicy },
 * });
 */
export const agentRetryPolicy: Readonly<RetryPolicy> = Object.freeze({
  initialInterval: { milliseconds: 500 },
  exponentiationFactor: 2,
  maxInterval: { seconds: 60 },
  maxAttempts: 30,
  onMaxAttempts: 'kill',
});
