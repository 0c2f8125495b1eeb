/**
 * The tool-call contract (durableToolStep) and the retry bounds (attemptTimeout, maxRetryDuration against
 * retry-after) on a real restate-server, in normal and always-replay mode: in always-replay every await
 * suspends, so each outcome below is also rebuilt from the journal.
 */
import type { InvocationFailedError } from '@restate-agents/testing';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertInput,
  durableStep,
  durableToolStep,
  executeInOrder,
  idSource,
  RepeatingFailureError,
  rethrowIfRepeating,
  stepBatch,
  ToolGaveUpError,
  type ToolStepOutcome,
  toolStepName,
} from '../src/index.js';

/** Stands in for an SDK's error that can only repeat (OpenAI Agents' `MaxTurnsExceededError`). */
class MaxTurnsExceededError extends Error {}

/** How often each action really ran, by invocation key: counted outside Restate. */
const executions = new Map<string, number>();
const count = (key: string) => {
  const n = (executions.get(key) ?? 0) + 1;
  executions.set(key, n);
  return n;
};
/** Per key: whether a timed-out attempt saw its signal abort. */
const abortedAttempts = new Map<string, number>();
const model = useMockModel();

const quickRetries = { maxRetryAttempts: 2, initialRetryInterval: 10 } as const;

/** The outcome as plain JSON, as the adapter would hand it on. */
function report(outcome: ToolStepOutcome<unknown>) {
  if (outcome.ok) return { ok: true, value: outcome.value };
  return {
    ok: false,
    message: outcome.error.message,
    reason: outcome.error.reason,
    toolName: outcome.error.toolName,
    branded: ToolGaveUpError.isInstance(outcome.error),
  };
}

const probe = restate.object({
  name: 'ToolContractProbe',
  handlers: {
    async givesUp(ctx: restate.ObjectContext, onGiveUp?: 'model' | 'fail') {
      const outcome = await durableToolStep(
        ctx,
        toolStepName('probe', 'flaky', 'call_1'),
        'flaky',
        () => {
          throw new Error(`backend down (attempt ${count(ctx.key)})`);
        },
        { ...quickRetries, ...(onGiveUp && { onGiveUp }) },
      );
      // A later step: the agent goes on after the tool error.
      const after = await durableStep(ctx, 'after', () => 'went on');
      return { ...report(outcome), after };
    },
    async notRetryable(ctx: restate.ObjectContext) {
      return report(
        await durableToolStep(ctx, 'probe:tool:crm:call_1', 'crm', () => {
          count(ctx.key);
          throw Object.assign(new Error('forbidden'), { status: 403 });
        }),
      );
    },
    async terminal(ctx: restate.ObjectContext) {
      return report(
        await durableToolStep(ctx, 'probe:tool:pay:call_1', 'pay', () => {
          count(ctx.key);
          throw new restate.TerminalError('card declined');
        }),
      );
    },
    async wrappedTerminal(ctx: restate.ObjectContext) {
      return report(
        await durableToolStep(ctx, 'probe:tool:pay:call_1', 'pay', () => {
          count(ctx.key);
          throw new Error('SDK wrapper', { cause: new restate.TerminalError('declined inside') });
        }),
      );
    },
    async bigint(ctx: restate.ObjectContext) {
      const outcome = await durableToolStep(ctx, 'probe:tool:balance:call_1', 'balance', () => {
        count(ctx.key);
        return { cents: 12345678901234567890n, at: new Date(0) };
      });
      if (!outcome.ok) throw new restate.TerminalError('unexpected give-up');
      return {
        cents: typeof outcome.value.cents === 'bigint' ? outcome.value.cents.toString() : 'lost',
        at: outcome.value.at instanceof Date ? 'Date' : 'lost',
      };
    },
    async circular(ctx: restate.ObjectContext) {
      return report(
        await durableToolStep(ctx, 'probe:tool:graph:call_1', 'graph', () => {
          count(ctx.key);
          const value: Record<string, unknown> = {};
          value.self = value;
          return value;
        }),
      );
    },
    async hangsOnce(ctx: restate.ObjectContext) {
      return durableStep(
        ctx,
        'hangs-once',
        (signal) => {
          if (count(ctx.key) > 1) return 'second attempt';
          // A provider that never answers: only the attempt's signal ends it.
          return new Promise<string>((_, reject) => {
            signal.addEventListener('abort', () => {
              abortedAttempts.set(ctx.key, (abortedAttempts.get(ctx.key) ?? 0) + 1);
              reject(signal.reason);
            });
          });
        },
        { attemptTimeout: 300, initialRetryInterval: 10 },
      );
    },
    async alwaysHangs(ctx: restate.ObjectContext) {
      return durableStep(
        ctx,
        'always-hangs',
        () => {
          count(ctx.key);
          return new Promise<string>(() => undefined);
        },
        { attemptTimeout: 200, ...quickRetries },
      );
    },
    async parallelTools(ctx: restate.ObjectContext) {
      // Two durable tools an SDK runs at once, through stepBatch: one gives up, one answers; both reach the model.
      const run = (tool: string, fail: boolean) =>
        stepBatch(ctx).add(
          durableToolStep(
            ctx,
            toolStepName('probe', tool, `call_${tool}`),
            tool,
            () => {
              count(`${ctx.key}:${tool}`);
              if (fail) throw new Error(`${tool} is down`);
              return `${tool} ok`;
            },
            quickRetries,
          ),
        );
      const outcomes = await Promise.all([run('first', true), run('second', false)]);
      return outcomes.map(report);
    },
    async inOrder(ctx: restate.ObjectContext, input: { concurrency: number; thenFail: boolean }) {
      const { concurrency, thenFail } = input;
      // A plain loop: a tool whose inner durableStep gives up, a durable tool under onGiveUp: 'fail'.
      const outcomes = await executeInOrder(
        ['gives-up', 'answers'],
        (tool) =>
          durableStep(
            ctx,
            `probe:tool:${tool}`,
            () => {
              count(`${ctx.key}:${tool}`);
              if (tool === 'gives-up') throw new Error('still down');
              return 'fine';
            },
            quickRetries,
          ),
        { concurrency },
      );
      const seen = outcomes.map((outcome) =>
        outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message,
      );
      if (!thenFail) return seen;
      await executeInOrder([1], () =>
        durableToolStep(
          ctx,
          'probe:tool:pay:call_9',
          'pay',
          () => {
            throw new Error('payment backend down');
          },
          { ...quickRetries, onGiveUp: 'fail' },
        ),
      );
      return seen;
    },
    async validatedInput(ctx: restate.ObjectContext, input: unknown) {
      assertInput(input, (value) => typeof value === 'string', 'a prompt string', 'prompt');
      return durableStep(ctx, 'never-reached', () => {
        count(ctx.key);
        return 'ran';
      });
    },
    async repeating(ctx: restate.ObjectContext) {
      count(ctx.key);
      try {
        throw new MaxTurnsExceededError('Max turns (10) exceeded');
      } catch (error) {
        rethrowIfRepeating(error, [MaxTurnsExceededError]);
        throw error;
      }
    },
    async stableIds(ctx: restate.ObjectContext) {
      const ids = idSource(ctx);
      const drawn = [ids.uuid(), ids.id({ prefix: 'msg' }), ids.uuid('trace')];
      // On a replay the ids are drawn again: they must equal what the first attempt journaled.
      const journaled = await durableStep(ctx, 'ids', () => drawn);
      await ctx.sleep(1);
      const again = await durableStep(ctx, 'ids-again', () => [ids.uuid()]);
      if (JSON.stringify(journaled) !== JSON.stringify(drawn)) {
        throw new restate.TerminalError(`ids diverged on replay: ${drawn} != ${journaled}`);
      }
      return { drawn, again, invocation: ctx.request().id };
    },
    async rateLimited(ctx: restate.ObjectContext, conversation: string) {
      const openai = new OpenAI({ baseURL: model.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
      return durableStep(
        ctx,
        'openai:chat',
        async (signal) => {
          const completion = await openai.chat.completions.create(
            { model: conversation, messages: [{ role: 'user', content: 'hi' }] },
            { signal },
          );
          return completion.choices[0]?.message.content ?? '';
        },
        { maxRetryDuration: { seconds: 5 } },
      );
    },
  },
});

for (const mode of ['normal', 'always-replay'] as const) {
  // Each test has keys of its own and mostly waits on retry back-offs: they run side by side.
  describe.concurrent(`tool-call contract on a real restate-server (${mode})`, () => {
    const env = useRestate({ alwaysReplay: mode === 'always-replay' });
    const key = (name: string) => `${name}-${mode}`;
    const call = async (handler: string, name: string, input?: unknown) =>
      env.attach(
        (await env.send({ service: 'ToolContractProbe', handler, key: key(name) }, input))
          .invocationId,
      );
    const failure = (handler: string, name: string, input?: unknown) =>
      call(handler, name, input).then(
        (value) => {
          throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
        },
        (error: InvocationFailedError) => error,
      );

    beforeAll(async () => {
      await env.register({ services: [probe] });
    });

    it('an ordinary error after the retries becomes a tool error naming the tool; the agent goes on', async () => {
      expect(await call('givesUp', 'gives-up')).toEqual({
        ok: false,
        message:
          'Tool "flaky" failed: gave up after 2 attempts; last error: unknown: backend down (attempt 2)',
        reason: 'retries-exhausted',
        toolName: 'flaky',
        branded: true,
        after: 'went on',
      });
      expect(executions.get(key('gives-up'))).toBe(2);
    });

    it("onGiveUp: 'fail' ends the run with the step's error instead", async () => {
      const error = await failure('givesUp', 'gives-up-fail', 'fail');
      expect(error.message).toMatch(/Step "probe:tool:flaky:call_1" gave up after 2 attempts/);
      expect(executions.get(key('gives-up-fail'))).toBe(2);
    });

    it('a non-retryable error goes to the model after one attempt, naming the reason', async () => {
      const outcome = await call('notRetryable', 'not-retryable');
      expect(outcome).toMatchObject({ ok: false, reason: 'permission-denied', toolName: 'crm' });
      expect((outcome as { message: string }).message).toMatch(
        /^Tool "crm" failed: failed and will not be retried \(permission-denied 403: forbidden\)/,
      );
      expect(executions.get(key('not-retryable'))).toBe(1);
    });

    it('a TerminalError from the tool ends the run, also when an SDK wrapped it', async () => {
      expect((await failure('terminal', 'terminal')).message).toBe('card declined');
      expect(executions.get(key('terminal'))).toBe(1);
      expect((await failure('wrappedTerminal', 'wrapped')).message).toBe('declined inside');
      expect(executions.get(key('wrapped'))).toBe(1);
    });

    it('a BigInt (and a Date) in a tool result survives the journal', async () => {
      expect(await call('bigint', 'bigint')).toEqual({ cents: '12345678901234567890', at: 'Date' });
      expect(executions.get(key('bigint'))).toBe(1);
    });

    it('a circular tool result ends the run with a clear terminal error after one attempt', async () => {
      const error = await failure('circular', 'circular');
      expect(error.message).toMatch(/cannot be journaled: Cannot journal a value with a circular/);
      expect(executions.get(key('circular'))).toBe(1);
    });

    it('attemptTimeout aborts the hung attempt and the retry answers', async () => {
      expect(await call('hangsOnce', 'hangs-once')).toBe('second attempt');
      expect(executions.get(key('hangs-once'))).toBe(2);
      expect(abortedAttempts.get(key('hangs-once'))).toBe(1);
    });

    it('attempts that time out count toward the cap: a hung provider fails in bounded time', async () => {
      const started = Date.now();
      const error = await failure('alwaysHangs', 'always-hangs');
      expect(error.message).toMatch(
        /Step "always-hangs" gave up after 2 attempts; last error: attempt-timeout: .*timed out after 200 ms/,
      );
      expect(executions.get(key('always-hangs'))).toBe(2);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('durable tools run together through stepBatch each get their own outcome', async () => {
      expect(await call('parallelTools', 'parallel')).toEqual([
        {
          ok: false,
          message:
            'Tool "first" failed: gave up after 2 attempts; last error: unknown: first is down',
          reason: 'retries-exhausted',
          toolName: 'first',
          branded: true,
        },
        { ok: true, value: 'second ok' },
      ]);
      expect(executions.get(`${key('parallel')}:second`)).toBe(1);
    });

    for (const concurrency of [1, 2]) {
      it(`executeInOrder (concurrency ${concurrency}) hands a step that gave up to the model`, async () => {
        expect(
          await call('inOrder', `in-order-model-${concurrency}`, { concurrency, thenFail: false }),
        ).toEqual([
          'Tool "probe:tool:gives-up" failed: gave up after 2 attempts; last error: unknown: still down',
          'fine',
        ]);
      });

      it(`executeInOrder (concurrency ${concurrency}): onGiveUp: 'fail' ends the run`, async () => {
        const error = await failure('inOrder', `in-order-${concurrency}`, {
          concurrency,
          thenFail: true,
        });
        // The run got past the first executeInOrder (both calls ran) and ended at the 'fail' tool.
        expect(executions.get(`${key(`in-order-${concurrency}`)}:answers`)).toBe(1);
        expect(executions.get(`${key(`in-order-${concurrency}`)}:gives-up`)).toBe(2);
        expect(error.message).toMatch(
          /Step "probe:tool:pay:call_9" gave up after 2 attempts; last error: unknown: payment backend down/,
        );
      });
    }

    it('malformed handler input ends the invocation with a 400 before any step runs', async () => {
      const error = await failure('validatedInput', 'bad-input', { text: 'not a string' });
      expect(error.code).toBe(400);
      expect(error.message).toMatch(
        /invalid-input: the handler's prompt must be a prompt string, got an object \{"text":"not a string"\}/,
      );
      expect(executions.get(key('bad-input'))).toBeUndefined();
    });

    it('an SDK error that can only repeat ends the invocation at the first attempt', async () => {
      const error = await failure('repeating', 'repeating');
      expect(error.message).toMatch(/^MaxTurnsExceededError: Max turns \(10\) exceeded/);
      expect(executions.get(key('repeating'))).toBe(1);
      expect(RepeatingFailureError.name).toBe('RepeatingFailureError');
    });

    it('idSource gives the same ids on every replay', async () => {
      const result = (await call('stableIds', 'ids')) as { drawn: string[]; again: string[] };
      expect(result.drawn).toHaveLength(3);
      expect(new Set([...result.drawn, ...result.again]).size).toBe(4);
    });

    it('a retry-after longer than maxRetryDuration fails at once, naming the requested delay', async () => {
      const conversation = key('retry-after');
      model.conversation(conversation, [
        {
          text: 'never',
          faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '3600' } }],
        },
      ]);
      const started = Date.now();
      const error = await failure('rateLimited', 'retry-after', conversation);
      expect(error.message).toMatch(
        /the provider asked to wait 3600 s \(retry-after\) before the next attempt, longer than maxRetryDuration \(5 s\)/,
      );
      expect(model.requestsFor(conversation)).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  });
}
