/**
 * Journal step names of this adapter, in one place. They are persisted in the journals of running
 * invocations: renaming one breaks their replay, so a rename is a breaking change (docs/architecture.md).
 */
export const STEP_NAMES = {
  /** The checkpoints and writes of one graph run, journaled once before they go to Virtual Object state. */
  checkpoint: 'langgraph:checkpoint',
  /** Publishing the awakeable id of a paused `interrupt()` (the `onInterrupt` callback). */
  interrupt: 'langgraph:interrupt',
} as const;
