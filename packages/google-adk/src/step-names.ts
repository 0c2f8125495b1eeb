/**
 * Every journal step name this adapter writes, in one place: they are persisted API. Renaming one makes
 * in-flight invocations fail their replay with a journal mismatch, so a change here is a breaking change.
 */
/**
 * The `<sdk>` part of core's step-name scheme: model calls are `google-adk:model:<n>` (core's
 * `nextModelStepName(ctx, SDK)` numbers them per invocation), durable tool executions
 * `google-adk:tool:<name>:<functionCallId>` (core's `toolStepName(SDK, name, functionCallId)`).
 */
export const SDK = 'google-adk';

/** The adapter's other journal entries, `google-adk:<hook>[:<name>]`. */
export const STEP_NAMES = {
  /** The time stamped on the session's events before the first model call of an invocation (`ctx.date.now()`). */
  clock: 'google-adk:clock',
  /** A `durableToolset`'s tool list, once per invocation: `google-adk:toolset:<name>:list`. */
  toolsetList: (name: string): string => `google-adk:toolset:${name}:list`,
} as const;

/** The `idSource` scopes of the ids this adapter makes; part of the persisted session, so as stable as step names. */
export const ID_SCOPES = {
  /** Function-call ids the model did not send, filled inside the model step: `<scope>:<step>:<n>`. */
  functionCall: 'google-adk:function-call',
  /** Session event ids (8 characters, as ADK's own). */
  event: 'google-adk:event',
  /** ADK invocation ids (`e-<uuid>`), one per ADK run inside the Restate invocation. */
  invocation: 'google-adk:invocation',
  /** Session ids made by `createSession` when none is given. */
  session: 'google-adk:session',
} as const;
