import { TerminalError } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { assertConcurrency } from './concurrency.js';
import { idSource } from './deterministic-values.js';
import { RepeatingFailureError } from './errors/repeating-failure-error.js';
import { toJsonValue } from './journal-serde.js';
import {
  asRepeatingFailure,
  assertInput,
  invalidOption,
  rethrowIfRepeating,
} from './repeating-failure.js';
import { modelStepName, toolStepName } from './step-names.js';

describe('step names', () => {
  it('follow <sdk>:model:<n> and <sdk>:tool:<name>:<callId>', () => {
    expect(modelStepName('ai-sdk', 3)).toBe('ai-sdk:model:3');
    expect(toolStepName('langchain', 'search', 'call_1')).toBe('langchain:tool:search:call_1');
  });
});

describe('assertConcurrency', () => {
  it('accepts whole numbers of at least 1 and defaults undefined', () => {
    expect(assertConcurrency(4, 'toolConcurrency')).toBe(4);
    expect(assertConcurrency(undefined, 'toolConcurrency')).toBe(1);
    expect(assertConcurrency(undefined, 'x', 3)).toBe(3);
  });

  it('names the option and the value', () => {
    expect(() => assertConcurrency(0, 'toolConcurrency')).toThrow(
      /toolConcurrency must be a whole number of at least 1, got 0/,
    );
    expect(() => assertConcurrency(1.5, 'c')).toThrow(RangeError);
    expect(() => assertConcurrency('2', 'c')).toThrow(/got "2"/);
    expect(() => assertConcurrency(Number.NaN, 'c')).toThrow(/NaN/);
  });
});

class MaxTurnsExceededError extends Error {}

describe('repeating failures', () => {
  it('turns a matching SDK error (by class, name or predicate, also wrapped) into a terminal error', () => {
    const byClass = asRepeatingFailure(new MaxTurnsExceededError('Max turns (10) exceeded'), [
      MaxTurnsExceededError,
    ]);
    expect(byClass).toBeInstanceOf(TerminalError);
    expect(byClass?.name).toBe('TerminalError');
    expect(byClass?.failure).toBe('MaxTurnsExceededError');
    expect(byClass?.message).toMatch(/MaxTurnsExceededError: Max turns \(10\) exceeded/);
    expect(byClass?.message).toMatch(/repeat identically/);

    const named = Object.assign(new Error('Recursion limit of 25 reached'), {
      name: 'GraphRecursionError',
    });
    expect(asRepeatingFailure({ cause: named }, ['GraphRecursionError'])?.failure).toBe(
      'GraphRecursionError',
    );
    const predicate = (error: unknown) => (error as Error).message?.includes('not found') === true;
    expect(asRepeatingFailure(new Error('Tool x not found'), [predicate])).toBeDefined();
  });

  it('leaves other errors and Restate control errors alone', () => {
    expect(asRepeatingFailure(new Error('flaky'), [MaxTurnsExceededError])).toBeUndefined();
    expect(
      asRepeatingFailure(new TerminalError('x'), [() => true, 'TerminalError']),
    ).toBeUndefined();
    expect(() => rethrowIfRepeating(new Error('flaky'), ['X'])).not.toThrow();
    expect(() =>
      rethrowIfRepeating(new MaxTurnsExceededError('m'), [MaxTurnsExceededError]),
    ).toThrow(RepeatingFailureError);
  });

  it('validates handler input before any step, naming what was expected and what came', () => {
    const isPrompt = (value: unknown): value is string => typeof value === 'string';
    expect(() => assertInput('hi', isPrompt, 'a string')).not.toThrow();
    let thrown: unknown;
    try {
      assertInput({ text: 1 }, isPrompt, 'a prompt string', 'prompt');
    } catch (error) {
      thrown = error;
    }
    expect(RepeatingFailureError.isInstance(thrown)).toBe(true);
    const error = thrown as RepeatingFailureError;
    expect(error.code).toBe(400);
    expect(error.failure).toBe('invalid-input');
    expect(error.message).toMatch(/prompt must be a prompt string, got an object \{"text":1\}/);
    expect(() => assertInput(null, isPrompt, 'a string')).toThrow(/got null/);
  });

  it('refuses an option an adapter cannot honour: terminal, status 400, the message kept', () => {
    const error = invalidOption('durableModel: onChunk is not supported; read the stream instead.');
    expect(RepeatingFailureError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.code).toBe(400);
    expect(error.failure).toBe('invalid-option');
    expect(error.message).toMatch(
      /^invalid-option: durableModel: onChunk is not supported; read the stream instead\. \(this failure would repeat/,
    );
  });
});

describe('idSource', () => {
  /** A context as far as idSource reads it: one request object per attempt. */
  const fakeCtx = (id: string) => {
    const request = { id };
    return { request: () => request } as never;
  };

  it('gives the same ids on every replay of the same invocation', () => {
    const first = idSource(fakeCtx('inv_1'));
    const replay = idSource(fakeCtx('inv_1'));
    const draw = (source: typeof first) => [
      source.uuid(),
      source.uuid('messages'),
      source.id({ prefix: 'msg', size: 24 }),
      source.generator({ prefix: 'call' })(),
    ];
    expect(draw(replay)).toEqual(draw(first));
    expect(idSource(fakeCtx('inv_2')).uuid()).not.toBe(idSource(fakeCtx('inv_1')).uuid());
  });

  it('draws the ids journals of running invocations already hold (the derivation never changes)', () => {
    const source = idSource(fakeCtx('inv_1'));
    expect(source.uuid()).toBe('7c0575a9-7835-4719-818a-4b44bbcc39ee');
    expect(source.id({ prefix: 'aitxt', size: 24 })).toBe('aitxt-wqOtC1GiSbXmBul5DSUm8bED');
    // More than one sha256 block.
    expect(source.id({ size: 40 })).toBe('xdFst3ChcpFpxvBClem1kUHn9oZPRKW5hY4ULIUf');
  });

  it('numbers each scope on its own, so one consumer never shifts another', () => {
    const a = idSource(fakeCtx('inv_3'));
    const b = idSource(fakeCtx('inv_3'));
    a.uuid('other');
    a.uuid('other');
    expect(a.uuid('mine')).toBe(b.uuid('mine'));
  });

  it('is one source per attempt, also through a wrapper of the context, and ids are well formed', () => {
    const ctx = fakeCtx('inv_4');
    expect(idSource(ctx)).toBe(idSource(ctx));
    const wrapper = { request: () => (ctx as { request(): unknown }).request() } as never;
    expect(idSource(wrapper)).toBe(idSource(ctx));
    const uuid = idSource(ctx).uuid();
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const long = idSource(ctx).id({ size: 100 });
    expect(long).toMatch(/^[0-9A-Za-z]{100}$/);
    const ids = new Set(Array.from({ length: 1000 }, () => idSource(ctx).id()));
    expect(ids.size).toBe(1000);
    expect(() => idSource(ctx).generator({ size: 0 })).toThrow(/size/);
  });
});

describe('toJsonValue', () => {
  it('keeps what the journal serde keeps, readable for a model', () => {
    const value = {
      big: 12345678901234567890n,
      at: new Date('2026-01-01T00:00:00.000Z'),
      url: new URL('https://example.com/'),
      bytes: new Uint8Array([1, 2]),
      missing: undefined,
      map: new Map([['k', 1n]]),
      set: new Set([1]),
      nan: Number.NaN,
    };
    expect(JSON.parse(JSON.stringify(toJsonValue(value)))).toEqual({
      big: '12345678901234567890',
      at: '2026-01-01T00:00:00.000Z',
      url: 'https://example.com/',
      bytes: 'AQI=',
      map: [['k', '1']],
      set: [1],
      nan: 'NaN',
    });
  });

  it('refuses a circular value with a terminal error naming it', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJsonValue(cyclic, 'The result of tool "lookup"')).toThrow(TerminalError);
    expect(() => toJsonValue(cyclic, 'The result of tool "lookup"')).toThrow(
      /The result of tool "lookup" cannot be turned into JSON: it has a circular reference/,
    );
  });
});
