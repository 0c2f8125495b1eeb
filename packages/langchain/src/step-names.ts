/**
 * Journal step names of this adapter, in one place: they are persisted in the journal of every in-flight
 * invocation, so renaming one breaks their replay and is a breaking change. The scheme is core's, the same
 * in every adapter: `<sdk>:model:<n>` and `<sdk>:tool:<name>:<callId>`.
 */
import { modelStepName, toolStepName } from '@restate-agents/core';

/** The SDK part of every step name. */
export const SDK = 'langchain';

export const STEP_NAMES: {
  /** The `n`-th chat model generation of the invocation (from 1; `invoke`, `stream`, a bound model). */
  readonly model: (n: number) => string;
  /** One whole tool execution of a {@link durableTool}: `langchain:tool:<name>:<callId>`. */
  readonly tool: (toolName: string, callId: string) => string;
} = {
  model: (n: number) => modelStepName(SDK, n),
  tool: (toolName: string, callId: string) => toolStepName(SDK, toolName, callId),
};
