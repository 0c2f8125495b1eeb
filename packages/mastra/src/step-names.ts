/**
 * Every journal step name this adapter writes, in one place: they are persisted API. Renaming one makes
 * in-flight invocations fail their replay with a journal mismatch, so a change here is a breaking change.
 */
/**
 * The `<sdk>` part of core's step-name scheme: model calls are `mastra:model:<n>` (core's `modelStepName`),
 * durable tool executions `mastra:tool:<name>:<toolCallId>` (core's `toolStepName`).
 */
export const SDK = 'mastra';

/** The adapter's other steps. */
export const STEP_NAMES = {
  /** A write of Mastra's memory domain to Virtual Object state (`saveThread`, `saveMessages`, …). */
  memory: (operation: string): string => `mastra:memory:${operation}`,
  /** The tool catalog of an `@mastra/mcp` `MCPClient`, listed once per invocation (`durableMcpTools`). */
  mcpListTools: 'mastra:mcp:list-tools',
  /** One step of a Mastra workflow run by `durableWorkflow` (its output journaled). */
  workflowStep: (workflowId: string, stepId: string): string =>
    `mastra:workflow:${workflowId}:${stepId}`,
  /**
   * A `.sleep()` / `.sleepUntil()` of a Mastra workflow run by `durableWorkflow` (a Restate timer). Without
   * the sleep's id: Mastra makes it with `randomUUID()` when the workflow is built, so a restarted process
   * would name the same timer differently.
   */
  workflowSleep: (workflowId: string): string => `mastra:workflow:${workflowId}:sleep`,
} as const;
