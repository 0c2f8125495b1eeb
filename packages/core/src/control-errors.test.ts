import {
  CancelledError,
  RestateError,
  RetryableError,
  TerminalError,
  TimeoutError,
} from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import {
  ControlErrorLatch,
  controlErrorKind,
  findControlError,
  isRestateControlError,
  rethrowIfControl,
} from './control-errors.js';

/** A TerminalError from another copy of the SDK: same name and code, a different class. */
class ForeignTerminalError extends Error {
  override name = 'TerminalError';
  code = 500;
}

describe('control errors', () => {
  it('recognises each kind by name and code', () => {
    expect(controlErrorKind(new TerminalError('x'))).toBe('terminal');
    expect(controlErrorKind(new CancelledError())).toBe('cancelled');
    expect(controlErrorKind(new TimeoutError())).toBe('timeout');
    expect(controlErrorKind(new RestateError('s', { errorCode: 599 }))).toBe('suspended');
    expect(controlErrorKind(new RestateError('c', { errorCode: 598 }))).toBe('closed');
    expect(controlErrorKind(new RestateError('m', { errorCode: 570 }))).toBe('journal-mismatch');
    expect(controlErrorKind(new ForeignTerminalError('other copy'))).toBe('terminal');
  });

  it('does not mistake ordinary errors for control errors', () => {
    expect(isRestateControlError(new Error('x'))).toBe(false);
    expect(isRestateControlError(new RetryableError('retry me'))).toBe(false);
    expect(isRestateControlError(new RestateError('generic 500'))).toBe(false);
    // A DOMException TimeoutError has code 23: not Restate's 408.
    expect(isRestateControlError(new DOMException('t', 'TimeoutError'))).toBe(false);
    expect(isRestateControlError(Object.assign(new Error('http'), { name: 'TerminalError' }))).toBe(
      false,
    );
  });

  it('finds a control error through cause, error, errors and lastError wrappers', () => {
    const cancelled = new CancelledError();
    const toolCallError = Object.assign(new Error('tool failed'), { error: cancelled });
    const middlewareError = new Error('middleware failed', { cause: toolCallError });
    const aggregate = new AggregateError([new Error('a'), middlewareError], 'many');
    expect(findControlError(aggregate)).toBe(cancelled);
    const retryError = Object.assign(new Error('retry'), { lastError: new TerminalError('t') });
    expect(controlErrorKind(findControlError(retryError))).toBe('terminal');
  });

  it('survives cyclic causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(findControlError(a)).toBeUndefined();
  });

  it('rethrowIfControl throws the original, unwrapped', () => {
    const terminal = new TerminalError('fatal');
    expect(() => rethrowIfControl(new Error('wrapper', { cause: terminal }))).toThrow(terminal);
    expect(() => rethrowIfControl(new Error('ordinary'))).not.toThrow();
  });

  it('the latch keeps the first control error and fails every later guarded call', async () => {
    const latch = new ControlErrorLatch();
    const cancelled = new CancelledError();
    await expect(latch.guard(() => Promise.reject(new Error('ordinary')))).rejects.toThrow(
      'ordinary',
    );
    expect(latch.captured).toBeUndefined();
    await expect(
      latch.guard(() => {
        throw new Error('swallowed by the SDK', { cause: cancelled });
      }),
    ).rejects.toBe(cancelled);
    expect(latch.captured).toBe(cancelled);
    let ran = false;
    await expect(
      latch.guard(() => {
        ran = true;
      }),
    ).rejects.toBe(cancelled);
    expect(ran).toBe(false);
    expect(latch.capture(new TerminalError('second'))).toBe(true);
    expect(latch.captured).toBe(cancelled);
    expect(() => latch.rethrow()).toThrow(cancelled);
  });
});
