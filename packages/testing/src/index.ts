export type { InvocationStatus, InvocationStatusName, JournalEntry } from './admin-api.js';
export type { ConformanceInput, ConformanceOutput } from './conformance/contract.js';
export {
  CONFORMANCE_ENV,
  CONFORMANCE_HANDLER,
  CONFORMANCE_OBJECT,
  CONFORMANCE_TOOL_SCHEMAS,
  CONFORMANCE_TOOLS,
  CRASH_AFTER_SIDE_EFFECT,
  GIVE_UP_ATTEMPT,
} from './conformance/contract.js';
export type { ConformanceDriver, ConformanceMode } from './conformance/driver.js';
export type { ConformanceHarness, ScenarioContext } from './conformance/harness.js';
export { startConformanceHarness } from './conformance/harness.js';
export type { Ledger, LedgerEntry } from './conformance/ledger.js';
export { startLedger } from './conformance/ledger.js';
export { postToLedger } from './conformance/ledger-client.js';
export type { Scenario, ScenarioName } from './conformance/scenarios/index.js';
export { conformanceScenarios } from './conformance/scenarios/index.js';
export type { CrashHarness, StartCrashHarnessOptions } from './crash-harness.js';
export { startCrashHarness } from './crash-harness.js';
export { crashPoint } from './crash-point.js';
export { freePort, freePorts } from './free-port.js';
export type { InvocationTarget, SendOptions } from './ingress-api.js';
export { InvocationFailedError } from './invocation-failed-error.js';
export type {
  LiveChatHandler,
  LiveChunk,
  LiveFrame,
  LiveHarness,
  LiveLogClient,
  LiveMessage,
  LiveReadRequest,
  LiveStreamObject,
  LiveTurnRead,
  StartLiveHarnessOptions,
} from './live-kit.js';
export {
  afterLastReset,
  assertShownOnce,
  countChunks,
  foldLiveMessage,
  killAndRestart,
  LIVE_ENV,
  LIVE_HANDLER,
  LIVE_OBJECTS,
  LIVE_RETRY_POLICY,
  LIVE_TOOL,
  liveChatObjects,
  liveMessageSnapshots,
  liveReply,
  loggedTurn,
  messageTexts,
  pauseProcess,
  readLiveTurn,
  shownText,
  startLiveHarness,
} from './live-kit.js';
export type { PartitionProxy } from './live-kit-proxy.js';
export { startPartitionProxy } from './live-kit-proxy.js';
export type {
  MockMcpAnswer,
  MockMcpRequest,
  MockMcpServer,
  StartMockMcpServerOptions,
} from './mock-mcp-server.js';
export { MOCK_MCP_SESSION_HEADER, startMockMcpServer } from './mock-mcp-server.js';
export type { MockModelServer, StartMockModelOptions } from './mock-model/mock-model-server.js';
export { startMockModel } from './mock-model/mock-model-server.js';
export type {
  MockApiName,
  MockFault,
  MockReply,
  MockRequest,
  MockRequestRecord,
  MockScript,
  MockToolCall,
  MockTurn,
  NormalisedMessage,
  NormalisedToolCall,
} from './mock-model/types.js';
export type { RestateCluster, RestateNode } from './restate-cluster.js';
export type { RegisterTarget, RestateEnvironment, StartRestateOptions } from './restate-server.js';
export { startRestate } from './restate-server.js';
export type { ScriptedRun, ScriptedRuns, ScriptedRunsOptions } from './scripted-runs.js';
export { scriptedRuns } from './scripted-runs.js';
export type { CrashReport, ServiceProcess, StartServiceProcessOptions } from './service-process.js';
export { startServiceProcess } from './service-process.js';
