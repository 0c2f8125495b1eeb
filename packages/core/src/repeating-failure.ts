/**
 * Failures that can only repeat end the invocation at once, as a `RepeatingFailureError` naming the cause,
 * instead of being retried by Restate until its policy pauses the invocation. Adapters name their SDK's
 * error classes (`MaxTurnsExceededError`, `GraphRecursionError`, …) and validate handler input with
 * {@link assertInput} before any step runs.
 */
import { controlErrorKind } from './control-errors.js';
import { walkErrorGraph } from './error-graph.js';
import { RepeatingFailureError } from './errors/repeating-failure-error.js';

/**
 * How an SDK error that will repeat is recognised: its class (matched by `instanceof`, then by class
 * name, so another copy of the SDK still matches), its `name`, or a predicate.
 */
export type RepeatingErrorMatcher =
  | string
  | (abstract new (
      ...args: never[]
    ) => unknown)
  | ((error: unknown) => boolean);

/**
 * The {@link RepeatingFailureError} for `error` when it — or an error it wraps — matches one of
 * `matchers`; `undefined` otherwise (and for Restate control errors, which keep their own meaning).
 *
 * @example
 * catch (error) {
 *   rethrowIfControl(error);
 *   throw asRepeatingFailure(error, [MaxTurnsExceededError, InputGuardrailTripwireTriggered]) ?? error;
 * }
 */
export function asRepeatingFailure(
  error: unknown,
  matchers: readonly RepeatingErrorMatcher[],
): RepeatingFailureError | undefined {
  if (RepeatingFailureError.isInstance(error)) return error;
  for (const node of walkErrorGraph(error, {
    stopAt: (candidate) => controlErrorKind(candidate) !== undefined,
  })) {
    if (controlErrorKind(node) !== undefined) continue;
    const matched = matchers.find((matcher) => matches(node, matcher));
    if (matched === undefined) continue;
    const failure = nameOf(node);
    const message =
      typeof node.message === 'string' && node.message !== '' ? node.message : failure;
    return new RepeatingFailureError(failure, message);
  }
  return undefined;
}

/** Throws the {@link RepeatingFailureError} for `error` if it matches (see {@link asRepeatingFailure}). */
export function rethrowIfRepeating(
  error: unknown,
  matchers: readonly RepeatingErrorMatcher[],
): void {
  const repeating = asRepeatingFailure(error, matchers);
  if (repeating) throw repeating;
}

function matches(node: Record<string, unknown>, matcher: RepeatingErrorMatcher): boolean {
  if (typeof matcher === 'string') return node.name === matcher || className(node) === matcher;
  if (isClass(matcher)) {
    return (
      node instanceof matcher ||
      (matcher.name !== '' && (className(node) === matcher.name || node.name === matcher.name))
    );
  }
  return (matcher as (error: unknown) => boolean)(node) === true;
}

/** Error classes (what SDKs throw) are matched as classes; any other function is a predicate. */
function isClass(value: unknown): value is abstract new (...args: never[]) => unknown {
  if (typeof value !== 'function') return false;
  const prototype = (value as { prototype?: unknown }).prototype;
  return value === Error || prototype instanceof Error;
}

function className(node: object): string | undefined {
  const name = (node as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' ? name : undefined;
}

function nameOf(node: Record<string, unknown>): string {
  const name = className(node);
  if (name !== undefined && name !== 'Error' && name !== 'Object') return name;
  return typeof node.name === 'string' ? node.name : 'Error';
}

/**
 * Checks a handler's input before any step runs: when `isValid` rejects it, the invocation ends with a
 * {@link RepeatingFailureError} (`failure: 'invalid-input'`, status 400) saying what was expected and what
 * came — not a `TypeError` deep inside the SDK that Restate would retry until the invocation pauses.
 *
 * @example
 * assertInput(input, (value) => typeof value === 'string' || Array.isArray(value),
 *   'a prompt string or an array of messages', 'input');
 */
export function assertInput<T>(
  value: unknown,
  isValid: (value: unknown) => value is T,
  expected: string,
  what?: string,
): asserts value is T;
export function assertInput(
  value: unknown,
  isValid: (value: unknown) => boolean,
  expected: string,
  what?: string,
): void;
export function assertInput(
  value: unknown,
  isValid: (value: unknown) => boolean,
  expected: string,
  what = 'input',
): void {
  if (isValid(value)) return;
  throw new RepeatingFailureError(
    'invalid-input',
    `the handler's ${what} must be ${expected}, got ${describeValue(value)}`,
    { errorCode: 400 },
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    let text: string;
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = '[object with circular references]';
    }
    return `an object ${text.length > 120 ? `${text.slice(0, 120)}…` : text}`;
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 120))}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * The error for an option (or argument) an adapter cannot honour as given; `message` names the option and
 * what to do instead. A plain `TypeError` inside a handler would make Restate retry the invocation, failing
 * the same way on every attempt: this `RepeatingFailureError` (`'invalid-option'`, status 400) ends it at
 * once with the message.
 *
 * @example
 * if ('onChunk' in options) throw invalidOption('durableModel: onChunk is not supported; use the stream instead.');
 */
export function invalidOption(message: string): RepeatingFailureError {
  return new RepeatingFailureError('invalid-option', message, { errorCode: 400 });
}
