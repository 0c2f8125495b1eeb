import type { InvocationFailedError } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableStep, JournalValueTooLargeError, stepFailureReason } from '../src/index.js';

const env = useRestate();
const model = useMockModel();

/** How often each step's action really ran, by test key: counted outside Restate. */
const executions = new Map<string, number>();
const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);

const steps = restate.object({
  name: 'DurableStepProbe',
  handlers: {
    async alwaysFails(ctx: restate.ObjectContext, attempts?: number) {
      return durableStep(
        ctx,
        'always-fails',
        () => {
          count(ctx.key);
          throw new Error(`boom ${executions.get(ctx.key)}`);
        },
        attempts === undefined ? {} : { maxRetryAttempts: attempts, initialRetryInterval: 10 },
      );
    },
    async callModel(ctx: restate.ObjectContext, conversation: string) {
      const openai = new OpenAI({ baseURL: model.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
      return durableStep(ctx, 'openai:chat', async () => {
        const completion = await openai.chat.completions.create({
          model: conversation,
          messages: [{ role: 'user', content: 'hi' }],
        });
        return completion.choices[0]?.message.content ?? '';
      });
    },
    async failureReasons(ctx: restate.ObjectContext) {
      const reasonOf = (step: Promise<unknown>) =>
        step.then(
          () => 'no failure',
          (error: unknown) => stepFailureReason(error) ?? 'thrown by the action',
        );
      return {
        exhausted: await reasonOf(
          durableStep(ctx, 'exhausted', () => Promise.reject(new Error('flaky')), {
            maxRetryAttempts: 2,
          }),
        ),
        notRetryable: await reasonOf(
          durableStep(ctx, 'not-retryable', () =>
            Promise.reject(Object.assign(new Error('no'), { status: 403 })),
          ),
        ),
        deliberate: await reasonOf(
          durableStep(ctx, 'deliberate', () => Promise.reject(new restate.TerminalError('stop'))),
        ),
      };
    },
    async userTerminal(ctx: restate.ObjectContext) {
      return durableStep(ctx, 'declines', () => {
        count(ctx.key);
        throw new restate.TerminalError('card declined', { errorCode: 402 });
      });
    },
    async circular(ctx: restate.ObjectContext) {
      return durableStep(ctx, 'circular', () => {
        count(ctx.key);
        const value: Record<string, unknown> = {};
        value.self = value;
        return value;
      });
    },
    async foreignTerminal(ctx: restate.ObjectContext) {
      return durableStep(ctx, 'foreign', () => {
        count(ctx.key);
        // What a TerminalError from a second copy of the Restate SDK looks like: same name and code.
        throw Object.assign(new Error('declined elsewhere'), { name: 'TerminalError', code: 422 });
      });
    },
    async tooLarge(ctx: restate.ObjectContext) {
      return durableStep(
        ctx,
        'big-answer',
        () => {
          count(ctx.key);
          return 'x'.repeat(2048);
        },
        { maxValueBytes: 1024 },
      );
    },
  },
});

const call = async (handler: string, key: string, input?: unknown) =>
  env.attach((await env.send({ service: 'DurableStepProbe', handler, key }, input)).invocationId);
const failure = async (
  handler: string,
  key: string,
  input?: unknown,
): Promise<InvocationFailedError> =>
  call(handler, key, input).then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: InvocationFailedError) => error,
  );

beforeAll(() => env.register({ services: [steps] }));

// Each test has keys of its own and mostly waits on retry back-offs: they run side by side.
describe.concurrent('durableStep against a real restate-server', () => {
  it('makes exactly 3 attempts by default, then fails with a TerminalError naming the step', async () => {
    const error = await failure('alwaysFails', 'cap-default');
    expect(executions.get('cap-default')).toBe(3);
    expect(error.message).toMatch(
      /Step "always-fails" gave up after 3 attempts; last error: unknown: boom 3/,
    );
  });

  it('honours a configured cap', async () => {
    await failure('alwaysFails', 'cap-four', 4);
    expect(executions.get('cap-four')).toBe(4);
  });

  it('attempts a 401 once', async () => {
    model.conversation('auth', [{ text: 'never', faults: [{ kind: 'status', status: 401 }] }]);
    const error = await failure('callModel', 'auth', 'auth');
    expect(model.requestsFor('auth')).toHaveLength(1);
    expect(error.message).toMatch(/will not be retried \(authentication 401/);
  });

  it('waits out a 429 retry-after: 2 before the next attempt', async () => {
    model.conversation('rate', [
      {
        text: 'finally',
        faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '2' } }],
      },
    ]);
    expect(await call('callModel', 'rate', 'rate')).toBe('finally');
    const [first, second] = model.requestsFor('rate').map((request) => request.receivedAt);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(2000);
  });

  it('stepFailureReason tells failures the step decided on from TerminalErrors the action threw', async () => {
    expect(await call('failureReasons', 'reasons')).toEqual({
      exhausted: 'retries-exhausted',
      notRetryable: 'permission-denied',
      deliberate: 'thrown by the action',
    });
  });

  it('passes a TerminalError from the action through unchanged, after one attempt', async () => {
    const error = await failure('userTerminal', 'terminal');
    expect(executions.get('terminal')).toBe(1);
    expect(error.message).toBe('card declined');
    expect(error.code).toBe(402);
  });

  it('fails a value that cannot be journaled at once, naming the step (the action is not repeated)', async () => {
    const error = await failure('circular', 'circular');
    expect(executions.get('circular')).toBe(1);
    expect(error.message).toBe(
      'Step "circular" produced a value that cannot be journaled: Cannot journal a value with a circular reference',
    );
  });

  it('treats a TerminalError from another copy of the Restate SDK as terminal', async () => {
    const error = await failure('foreignTerminal', 'foreign');
    expect(executions.get('foreign')).toBe(1);
    expect(error.message).toBe('declined elsewhere');
    expect(error.code).toBe(422);
  });

  it('refuses an oversized value with an error naming the step and the size', async () => {
    const error = await failure('tooLarge', 'large');
    expect(executions.get('large')).toBe(1);
    expect(error.message).toContain(
      'Step "big-answer" produced 2050 bytes to journal, over the limit of 1024',
    );
    expect(JournalValueTooLargeError.name).toBe('JournalValueTooLargeError');
  });
});
