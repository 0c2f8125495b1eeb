import { brand, hasBrand } from '../brand.js';
import type { StepFailureReason } from '../durable-step.js';

/**
 * A durable tool's step gave up: its error was not retryable, or its retries ran out. It is not thrown at
 * the agent: `durableToolStep` resolves to it so the adapter hands its message to the model as the tool's
 * result, and the agent goes on. It wraps no Restate error (only the text of the step's failure), so the
 * control-error check never mistakes it for a reason to end the run.
 */
export class ToolGaveUpError extends Error {
  override name = 'ToolGaveUpError';
  /** The tool's name, as the model called it. */
  readonly toolName: string;
  /** The journal step that gave up. */
  readonly step: string;
  /** Why it gave up (`'retries-exhausted'`, or the classification of a non-retryable error). */
  readonly reason: StepFailureReason;

  constructor(toolName: string, step: string, reason: StepFailureReason, detail: string) {
    super(`Tool "${toolName}" failed: ${detail}`);
    brand(this, 'ToolGaveUpError');
    this.toolName = toolName;
    this.step = step;
    this.reason = reason;
  }

  /** Whether `error` is one of these, from any copy of this package. */
  static isInstance(error: unknown): error is ToolGaveUpError {
    return hasBrand(error, 'ToolGaveUpError');
  }
}
