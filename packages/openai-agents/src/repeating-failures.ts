import {
  InputGuardrailTripwireTriggered,
  MaxTurnsExceededError,
  ModelBehaviorError,
  OutputGuardrailTripwireTriggered,
  ToolInputGuardrailTripwireTriggered,
  ToolOutputGuardrailTripwireTriggered,
  UserError,
} from '@openai/agents-core';

/**
 * SDK failures that a retry of the invocation replays into again (the model's answers come back from the
 * journal): they end the invocation with core's `RepeatingFailureError` instead of ~70 retries. @internal
 */
export const REPEATING_FAILURES: readonly (new (
  // biome-ignore lint/suspicious/noExplicitAny: error classes with any constructor.
  ...args: any[]
) => Error)[] = [
  MaxTurnsExceededError,
  InputGuardrailTripwireTriggered,
  OutputGuardrailTripwireTriggered,
  ToolInputGuardrailTripwireTriggered,
  ToolOutputGuardrailTripwireTriggered,
  ModelBehaviorError,
  UserError,
];
