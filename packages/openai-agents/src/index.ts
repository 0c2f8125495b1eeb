export type { ApprovalOptions } from '@restate-agents/core';
export { isLive, liveOnly } from '@restate-agents/core';
export type { DurableAgentToolOptions } from './durable-agent-tool.js';
export { durableAgentTool } from './durable-agent-tool.js';
export type { DurableModelOptions } from './durable-model.js';
export { durableModel, durableModelProvider } from './durable-model.js';
export type { DurableRunnerOptions, ToolApprovalRequest } from './durable-runner.js';
export { DurableRunner } from './durable-runner.js';
export type { DurableToolOptions } from './durable-tool.js';
export { durableTool } from './durable-tool.js';
export { liveTraceProcessor } from './replay-stable-tracing.js';
export { restateContext } from './restate-context.js';
export type { RestateSessionOptions } from './restate-session.js';
export { RestateSession } from './restate-session.js';
export type {
  AgentUpdatedStreamEventJSON,
  LiveRunStreamEvent,
  RawModelStreamEventJSON,
  RestateRetractEvent,
  RunItemJSON,
  RunItemStreamEventJSON,
  RunStreamEventJSON,
  RunStreamEventsOptions,
} from './run-stream-events.js';
export { OPENAI_AGENTS_EVENT_CHUNK, runStreamEvents } from './run-stream-events.js';
export type { MappableRunEvent, RunUIMessageStreamOptions } from './run-stream-events-ui.js';
export { runUIMessageStream } from './run-stream-events-ui.js';
export { STEP_NAMES } from './step-names.js';
export { tool } from './tool.js';
