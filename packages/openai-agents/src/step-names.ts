/**
 * Journal step names of this adapter, in one place, on core's scheme (`<sdk>:model:<n>`,
 * `<sdk>:tool:<name>:<callId>`). They are persisted in the journal of every in-flight invocation: renaming
 * one breaks their replay, so a change here is a breaking change.
 */
import { modelStepName, toolStepName } from '@restate-agents/core';

/** The `<sdk>` part of this adapter's step names. */
export const SDK = 'openai-agents';

export const STEP_NAMES: {
  readonly model: (n: number) => string;
  readonly tool: (toolName: string, callId: string) => string;
  readonly mcpList: (serverName: string) => string;
  readonly mcpCall: (serverName: string, toolName: string, callId: string) => string;
} = {
  /** The `n`-th model call of the invocation (`getResponse`, or a collected `getStreamedResponse`). */
  model: (n: number): string => modelStepName(SDK, n),
  /** The whole `execute` of a `durableTool`, keyed by the model's call id. */
  tool: (toolName: string, callId: string): string => toolStepName(SDK, toolName, callId),
  /** The tool list of an agent's MCP server, once per runner. */
  mcpList: (serverName: string): string => `${SDK}:mcp:${serverName}:list`,
  /** One call of an MCP server's tool, keyed by the model's call id. */
  mcpCall: (serverName: string, toolName: string, callId: string): string =>
    toolStepName(SDK, `${serverName}.${toolName}`, callId),
};
