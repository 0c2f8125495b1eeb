/**
 * Every journal step name this adapter writes, in one place: they are persisted API. Renaming one makes
 * in-flight invocations fail their replay with a journal mismatch, so a change here is a breaking change.
 */
/**
 * The `<sdk>` part of core's step-name scheme: model calls are `google-adk:model:<n>` (core's
 * `nextModelStepName(ctx, SDK)` numbers them per invocation), durable tool executions `google-adk:tool:<name>:<toolCallId>` (core's
 * `toolStepName(SDK, name, toolCallId)`).
 */
export const SDK = 'google-adk';

/** The adapter's other steps, `google-adk:<hook>[:<name>]`. */
export const STEP_NAMES = {} as const;
