const marker = Symbol.for('restate-agents.error.InvocationFailedError');

/**
 * An invocation ended with a failure (terminal error, cancellation, kill), as reported by the
 * ingress when attaching to it.
 *
 * `code` is the failure code Restate stored: the handler's `TerminalError` code, `409` for a
 * cancelled or killed invocation. Use `InvocationFailedError.isInstance()` rather than `instanceof`,
 * which fails when two copies of this package are loaded.
 */
export class InvocationFailedError extends Error {
  override readonly name = 'InvocationFailedError';
  readonly code: number;
  readonly invocationId: string;

  constructor(options: { code: number; message: string; invocationId: string }) {
    // The message stays Restate's own (`Cancelled`, the TerminalError text) so tests can compare it.
    super(options.message);
    // A symbol-keyed marker instead of a class field: declarations cannot name a private symbol.
    Object.defineProperty(this, marker, { value: true });
    this.code = options.code;
    this.invocationId = options.invocationId;
  }

  static isInstance(value: unknown): value is InvocationFailedError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
