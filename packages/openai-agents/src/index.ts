export type { DurableAgentToolOptions } from './durable-agent-tool.js';
export { durableAgentTool } from './durable-agent-tool.js';
export type { DurableModelOptions } from './durable-model.js';
export { durableModel, durableModelProvider } from './durable-model.js';
export type {
  DurableApprovalOptions,
  DurableRunnerOptions,
  ToolApprovalRequest,
} from './durable-runner.js';
export { DurableRunner } from './durable-runner.js';
export { durableTool } from './durable-tool.js';
export { restateContext } from './restate-context.js';
export type { RestateSessionOptions } from './restate-session.js';
export { RestateSession } from './restate-session.js';
export { STEP_NAMES } from './step-names.js';
export { tool } from './tool.js';
