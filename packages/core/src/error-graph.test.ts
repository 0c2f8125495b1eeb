import { RestateError, TerminalError } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { classifyError } from './classify-error.js';
import { findControlError } from './control-errors.js';
import { walkErrorGraph } from './error-graph.js';

describe('walkErrorGraph: one walk for classification and control errors', () => {
  it('classifies an error kept under originalError', () => {
    const wrapped = new Error('request failed', {});
    Object.assign(wrapped, { originalError: Object.assign(new Error('nope'), { status: 401 }) });
    expect(classifyError(wrapped)).toMatchObject({ retryable: false, reason: 'authentication' });
  });

  it('recognises a control error kept under response', () => {
    const terminal = new TerminalError('stop');
    const wrapped = Object.assign(new Error('wrapper'), { response: terminal });
    expect(findControlError(wrapped)).toBe(terminal);
  });

  it('follows every key, cause/error/errors/lastError/originalError/response', () => {
    const suspended = new RestateError('suspended', { errorCode: 599 });
    for (const key of ['cause', 'error', 'lastError', 'originalError', 'response']) {
      expect(findControlError({ [key]: suspended }), key).toBe(suspended);
    }
    expect(findControlError(new AggregateError([new Error('a'), suspended]))).toBe(suspended);
  });

  it('puts the last of errors first (the last attempt of a RetryError matters)', () => {
    const retry = { errors: [{ status: 500 }, { status: 401 }] };
    expect(classifyError(retry).status).toBe(401);
  });

  it('is cycle-safe and depth-capped', () => {
    const a: Record<string, unknown> = { name: 'a' };
    const b: Record<string, unknown> = { name: 'b', cause: a };
    a.cause = b;
    a.errors = [a, b];
    expect([...walkErrorGraph(a)].map((node) => node.name)).toEqual(['a', 'b']);
    let deep: Record<string, unknown> = { name: 'bottom', status: 401 };
    for (let level = 0; level < 100; level++) deep = { cause: deep };
    expect([...walkErrorGraph(deep)].length).toBe(17);
    expect(classifyError(deep).status).toBeUndefined();
  });

  it('survives throwing getters', () => {
    const hostile = Object.defineProperty(new Error('x'), 'response', {
      get() {
        throw new Error('getter');
      },
    });
    expect([...walkErrorGraph(hostile)]).toHaveLength(1);
  });
});
