import * as restate from '@restatedev/restate-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestateEnvironment, startRestate } from '../src/restate-server.js';

// Counts handler bodies entered, i.e. attempts: replays run the code outside ctx.run again.
let attempts = 0;
let failures = 0;

const replayed = restate.service({
  name: 'Replayed',
  handlers: {
    run: async (ctx: restate.Context) => {
      attempts++;
      const first = await ctx.run('first', () => 1);
      const second = await ctx.run('second', () => 2);
      const third = await ctx.run('third', () => 3);
      return first + second + third;
    },
    failing: async () => {
      failures++;
      throw new Error('transient?');
    },
  },
});

describe('alwaysReplay', () => {
  let environment: RestateEnvironment;
  beforeAll(async () => {
    environment = await startRestate({ alwaysReplay: true });
    await environment.register({ services: [replayed] });
  });
  afterAll(() => environment.stop());

  it('suspends after every journaled step and replays the handler from the start', async () => {
    attempts = 0;
    const { invocationId } = await environment.send({ service: 'Replayed', handler: 'run' });
    expect(await environment.attach(invocationId)).toBe(6);
    // One attempt per ctx.run plus the final one: each run completion ends the attempt.
    expect(attempts).toBe(4);
    const status = await environment.invocation(invocationId);
    expect(status.status).toBe('completed');
  });
});

describe('disableRetries', () => {
  let environment: RestateEnvironment;
  beforeAll(async () => {
    environment = await startRestate({ disableRetries: true });
    await environment.register({ services: [replayed] });
  });
  afterAll(() => environment.stop());

  it('kills an invocation after its first failed attempt', async () => {
    failures = 0;
    const startedAt = Date.now();
    const { invocationId } = await environment.send({ service: 'Replayed', handler: 'failing' });
    const error = await environment.attach(invocationId).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'InvocationFailedError', code: 500 });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(failures).toBe(1);
    const status = await environment.waitForStatus(invocationId, 'completed');
    expect(status.completionResult).toBe('failure');
  });
});

describe('default retries', () => {
  let environment: RestateEnvironment;
  beforeAll(async () => {
    environment = await startRestate();
    await environment.register({ services: [replayed] });
  });
  afterAll(() => environment.stop());

  it('keeps retrying a failing handler and reports the failure in sys_invocation', async () => {
    const { invocationId } = await environment.send({ service: 'Replayed', handler: 'failing' });
    const status = await environment.waitForStatus(
      invocationId,
      (current) => current.retryCount >= 1 && current.lastFailure !== undefined,
    );
    expect(status.status).toMatch(/backing-off|running/);
    expect(status.lastFailure).toContain('transient?');
    expect(status.lastFailureErrorCode).toBe('RT0007');
    await environment.kill(invocationId);
  });
});

describe('fastRetries and maxAttempts', () => {
  let environment: RestateEnvironment;
  beforeAll(async () => {
    environment = await startRestate({ fastRetries: true, maxAttempts: 5 });
    await environment.register({ services: [replayed] });
  });
  afterAll(() => environment.stop());

  it('retries every 50 ms..1 s and kills the invocation after its fifth attempt', async () => {
    failures = 0;
    const startedAt = Date.now();
    const { invocationId } = await environment.send({ service: 'Replayed', handler: 'failing' });
    const error = await environment.attach(invocationId).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'InvocationFailedError' });
    expect(failures).toBe(5);
    // Four waits of 50 ms doubling: 0.75 s; Restate's default (500 ms doubling) would wait 7.5 s.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('refuses a maxAttempts that is not a whole number of at least 1, naming it', async () => {
    await expect(startRestate({ maxAttempts: 0 })).rejects.toThrow(/maxAttempts.*got 0/);
  });
});
