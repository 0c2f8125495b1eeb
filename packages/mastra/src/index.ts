export type { DurableAgent, DurableAgentOptions } from './durable-agent.js';
export { durableAgent, NETWORK_REFUSAL } from './durable-agent.js';
export type {
  DurableMcpToolsOptions,
  MastraMcpToolSource,
  McpToolCatalog,
} from './durable-mcp-tools.js';
export {
  classifyMastraMcpError,
  durableMcpTools,
  durableMcpToolsets,
  McpServerListError,
} from './durable-mcp-tools.js';
export type { DurableLanguageModel, DurableModelOptions, RestateModel } from './durable-model.js';
export { durableModel, restateModel } from './durable-model.js';
export type { DurableToolOptions, MastraTool } from './durable-tool.js';
export { durableTool, durableTools, isDurableTool } from './durable-tool.js';
export type { DurableWorkflow, DurableWorkflowOptions } from './durable-workflow.js';
export { durableWorkflow } from './durable-workflow.js';
export type { MastraStreamOutput, PipeMastraStreamOptions } from './live.js';
export { pipeMastraStream } from './live.js';
export type { RequestContextSource } from './restate-context.js';
export { RESTATE_CONTEXT_KEY, restateContext } from './restate-context.js';
export type { RestateMemoryStorageOptions } from './restate-memory-storage.js';
export { RestateMemoryStorage } from './restate-memory-storage.js';
export { SDK, STEP_NAMES } from './step-names.js';
export type {
  DurableCallOptions,
  DurableToolHooks,
  RequireToolApproval,
  StopCondition,
  ToolApprovalDetails,
  WithRestateOptions,
} from './with-restate.js';
export { MASTRA_DEFAULT_MAX_STEPS, rethrowControlError, withRestate } from './with-restate.js';
