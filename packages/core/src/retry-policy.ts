/**
 * The invocation retry policy for agent handlers: what Restate does when a whole attempt of the handler
 * fails, as opposed to the retry cap of one step inside it.
 */
import type { RetryPolicy } from '@restatedev/restate-sdk';

/**
 * The invocation retry policy recommended for every handler that runs an agent: failed attempts are retried
 * with exponential back-off from 500 ms to 60 s, up to 100 attempts, and then the invocation is **killed**,
 * so its caller receives the last error. Set it on the service (or a handler):
 * `restate.object({ name, handlers, options: { retryPolicy: agentRetryPolicy } })`.
 *
 * Why not Restate's default: restate-server allows 70 attempts and then **pauses** the invocation
 * (`on-max-attempts = "pause"`). A paused agent is stuck: its caller waits, and nothing happens until
 * someone resumes or kills it by hand. Restate documents `kill` as the alternative; for an agent it is the
 * right one, because what is left for this policy to retry will not get better by waiting for a human:
 * failures that can only repeat (the model looping, a tool that does not exist, bad input) already end the
 * invocation as a `TerminalError`, and every step has its own retry cap (`durableStep`'s
 * `maxRetryAttempts`).
 *
 * Why 100 attempts: on restate-server 1.7 the count covers the invocation's whole life and is not reset when
 * a step completes. Every failed attempt adds one: each retry of a step, each crash of the service or
 * refused connection while it restarts, each attempt Restate aborts after `inactivityTimeout` +
 * `abortTimeout`. A long agent that meets some 429s and a deploy or two must stay well inside it; an
 * invocation that fails on every attempt (the service down, an error outside any step) is killed after
 * about 95 minutes of retries.
 *
 * Frozen: spread it to change a field, e.g. `{ ...agentRetryPolicy, maxAttempts: 300 }`. It is sent to the
 * server at registration (restate-server 1.5 or newer); a server-side `max-retry-policy-max-attempts` may
 * lower `maxAttempts`.
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
  maxAttempts: 100,
  onMaxAttempts: 'kill',
});
