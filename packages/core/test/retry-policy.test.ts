/**
 * `agentRetryPolicy` on a real restate-server: registered as given, and an invocation that can only fail
 * ends failed (killed after its attempts) with the error for its caller, where the server's own default
 * policy leaves it paused. Step retries use up the invocation's attempts, over its whole life.
 */
import { InvocationFailedError } from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { agentRetryPolicy, durableStep } from '../src/index.js';

// The server's default policy as shipped (pause when the attempts run out), only faster and shorter.
const env = useRestate({
  env: {
    RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS: '3',
    RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL: '10ms',
    RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL: '10ms',
  },
});

/** The recommended policy with only its timing shortened for the test: 3 attempts 10 ms apart. */
const fastAgentPolicy = {
  ...agentRetryPolicy,
  maxAttempts: 3,
  initialInterval: 10,
  maxInterval: 10,
};

/** Attempts seen per key, counted outside Restate. */
const attempts = new Map<string, number>();
const attempt = (key: string): number => {
  const count = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, count);
  return count;
};

const alwaysFails = async (ctx: restate.ObjectContext): Promise<string> => {
  // An error outside any step that every attempt hits again: what the invocation policy decides about.
  throw new Error(`broken agent, attempt ${attempt(ctx.key)}`);
};

const withAgentPolicy = restate.object({
  name: 'RetryPolicyAgent',
  handlers: {
    alwaysFails,
    async twoFlakySteps(ctx: restate.ObjectContext): Promise<string> {
      // Two steps that each fail twice before they succeed (a step allows 5 attempts): 4 failed attempts in
      // all, 2 after the first step was journaled.
      const flaky = (name: string) =>
        durableStep(
          ctx,
          name,
          () => {
            const count = attempt(`${ctx.key}:${name}`);
            if (count <= 2) throw new Error(`${name} failed, attempt ${count}`);
            return count;
          },
          { maxRetryAttempts: 5, initialRetryInterval: 10 },
        );
      await flaky('first');
      await flaky('second');
      return 'done';
    },
  },
  options: { retryPolicy: fastAgentPolicy },
});

const withRegisteredConstant = restate.object({
  name: 'RetryPolicyRegistered',
  handlers: { alwaysFails },
  options: { retryPolicy: agentRetryPolicy },
});

const withServerDefault = restate.object({
  name: 'RetryPolicyServerDefault',
  handlers: { alwaysFails },
});

beforeAll(() =>
  env.register({ services: [withAgentPolicy, withRegisteredConstant, withServerDefault] }),
);

describe('agentRetryPolicy', () => {
  it('is frozen and ends in kill, never pause', () => {
    expect(Object.isFrozen(agentRetryPolicy)).toBe(true);
    expect(agentRetryPolicy.onMaxAttempts).toBe('kill');
    expect(agentRetryPolicy.maxAttempts).toBeGreaterThan(1);
  });

  it('is registered with the server as given', async () => {
    const response = await fetch(`${env.adminUrl}/services/RetryPolicyRegistered`);
    const service = (await response.json()) as { retry_policy?: Record<string, unknown> };
    expect(service.retry_policy).toEqual({
      initial_interval: '500ms',
      exponentiation_factor: 2,
      max_attempts: agentRetryPolicy.maxAttempts,
      max_interval: '1m',
      on_max_attempts: 'Kill',
    });
  });

  it('ends an invocation that can only fail as failed, with its error, after its attempts', async () => {
    const { invocationId } = await env.send(
      { service: 'RetryPolicyAgent', handler: 'alwaysFails', key: 'kill' },
      undefined,
    );
    const failure = await env.attach(invocationId, { timeoutMs: 30_000 }).catch((error) => error);
    expect(InvocationFailedError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('broken agent, attempt 3');
    const status = await env.invocation(invocationId);
    expect(status.status).toBe('completed');
    expect(status.completionResult).toBe('failure');
    expect(attempts.get('kill')).toBe(3);
  });

  it('where the server default leaves the same invocation paused', async () => {
    const { invocationId } = await env.send(
      { service: 'RetryPolicyServerDefault', handler: 'alwaysFails', key: 'pause' },
      undefined,
    );
    const status = await env.waitForStatus(invocationId, 'paused', { timeoutMs: 30_000 });
    expect(status.status).toBe('paused');
    expect(attempts.get('pause')).toBe(3);
    await env.kill(invocationId);
  });

  it('counts step retries against the attempts, over the whole invocation, not since its last step', async () => {
    // 3 attempts allowed: the first step's two failures and the second step's first use them up, although
    // the first step completed in between. So maxAttempts must leave room for every step retry and crash
    // of an agent's whole run; the step caps, not this policy, bound each step.
    const { invocationId } = await env.send(
      { service: 'RetryPolicyAgent', handler: 'twoFlakySteps', key: 'steps' },
      undefined,
    );
    const failure = await env.attach(invocationId, { timeoutMs: 30_000 }).catch((error) => error);
    expect(InvocationFailedError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('second failed, attempt 1');
    expect((await env.invocation(invocationId)).completionResult).toBe('failure');
  });
});
