/**
 * Journal step names of this adapter, in one place: they are persisted in the journal of every in-flight
 * invocation, so renaming one breaks their replay and is a breaking change (CONVENTIONS §3).
 */
export const STEP_NAMES: {
  /** One chat model generation (`invoke`, `stream`, a bound or structured-output model). */
  readonly model: 'langchain:model';
  /** One whole tool execution of a {@link durableTool}, followed by `:<tool name>`. */
  readonly tool: (toolName: string) => string;
} = {
  model: 'langchain:model',
  tool: (toolName: string) => `langchain:tool:${toolName}`,
};
