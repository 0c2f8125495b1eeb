import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type CrashHarness,
  type StartCrashHarnessOptions,
  startCrashHarness,
} from './crash-harness.js';
import {
  type LiveHarness,
  type LiveLogClient,
  type StartLiveHarnessOptions,
  startLiveHarness,
} from './live-kit.js';
import {
  type MockMcpServer,
  type StartMockMcpServerOptions,
  startMockMcpServer,
} from './mock-mcp-server.js';
import {
  type MockModelServer,
  type StartMockModelOptions,
  startMockModel,
} from './mock-model/mock-model-server.js';
import {
  type RestateEnvironment,
  type StartRestateOptions,
  startRestate,
} from './restate-server.js';
import {
  type ServiceProcess,
  type StartServiceProcessOptions,
  startServiceProcess,
} from './service-process.js';

/**
 * Starts a restate-server for the current test file (`beforeAll`) and stops it (`afterAll`); the
 * returned object forwards to the running {@link RestateEnvironment}.
 *
 * Use the handle inside tests and hooks only: before `beforeAll` ran there is nothing to forward
 * to. When a test fails, the server's log tail is written to stderr.
 *
 * @example
 * const restate = useRestate({ alwaysReplay: true });
 * beforeAll(() => restate.register({ services: [agent] }));
 */
export function useRestate(options?: StartRestateOptions): RestateEnvironment {
  const environment = startedForFile({
    start: () => startRestate(options),
    stop: (server) => server.stop(),
    report: (server) => `--- restate-server log tail ---\n${tail(server.logs())}`,
  });
  return forwardTo(environment, 'useRestate');
}

/**
 * Starts a service child process for the current test file and stops it afterwards; the returned
 * object forwards to the running {@link ServiceProcess}. Its output is written to stderr when a
 * test fails.
 */
export function useServiceProcess(options: StartServiceProcessOptions): ServiceProcess {
  const service = startedForFile({
    start: () => startServiceProcess(options),
    stop: (child) => child.stop(),
    report: (child) => `--- service process output ---\n${tail(child.output())}`,
  });
  return forwardTo(service, 'useServiceProcess');
}

/**
 * Starts a crash harness ({@link startCrashHarness}: restate-server with fast retries, the scripted model server,
 * the ledger and the service with a warm standby, registered) for the current test file or `describe` block
 * (`beforeAll`) and stops it (`afterAll`). Each part of the returned object forwards to the running one, so the
 * parts can be taken apart up front and used inside tests and hooks. When a test fails, the service's output and
 * the server's log tail are written to stderr.
 *
 * @example
 * const harness = useCrashHarness({ serviceEntry, restate: { alwaysReplay: true } });
 * const { restate, model, ledger, service } = harness;
 */
export function useCrashHarness(options: StartCrashHarnessOptions): CrashHarness {
  const harness = startedForFile({
    start: () => startCrashHarness(options),
    stop: (running) => running.stop(),
    report: (running) =>
      `--- service output ---\n${tail(running.service.output())}\n` +
      `--- restate-server log tail ---\n${tail(running.restate.logs())}`,
    // A large SDK takes seconds to load on a busy machine.
    timeoutMs: 120_000,
  });
  const owner = 'useCrashHarness';
  return {
    restate: forwardTo(() => harness()?.restate, owner),
    model: forwardTo(() => harness()?.model, owner),
    ledger: forwardTo(() => harness()?.ledger, owner),
    service: forwardTo(() => harness()?.service, owner),
    stop: async () => {
      await harness()?.stop();
    },
  };
}

/**
 * Starts the live kit's harness ({@link startLiveHarness}) for the current test file (`beforeAll`) and stops it
 * (`afterAll`), for live tests of an adapter's own beyond the kit's scenarios; `log` is what `streamClient` made.
 * Each part forwards to the running one, as with {@link useCrashHarness}; the harness's diagnostics are written to
 * stderr when a test fails.
 *
 * @example
 * const live = useLiveHarness({ serviceEntry, streamObject: agentStreamObject(), streamClient });
 * const { restate, model, service, log } = live;
 */
export function useLiveHarness<L extends LiveLogClient = LiveLogClient>(
  options: StartLiveHarnessOptions<L>,
): LiveHarness<L> {
  const harness = startedForFile({
    start: () => startLiveHarness(options),
    stop: (running) => running.stop(),
    report: (running) => running.diagnostics(),
    timeoutMs: 120_000,
  });
  const owner = 'useLiveHarness';
  return {
    restate: forwardTo(() => harness()?.restate, owner),
    model: forwardTo(() => harness()?.model, owner),
    service: forwardTo(() => harness()?.service, owner),
    proxy: forwardTo(() => harness()?.proxy, owner),
    log: forwardTo(() => harness()?.log, owner),
    diagnostics: () => harness()?.diagnostics() ?? '',
    stop: async () => {
      await harness()?.stop();
    },
  };
}

/** Starts the scripted model server ({@link startMockModel}) for the current test file and closes it afterwards. */
export function useMockModel(options?: StartMockModelOptions): MockModelServer {
  const model = startedForFile({ start: () => startMockModel(options), stop: (m) => m.close() });
  return forwardTo(model, 'useMockModel');
}

/** Starts a scripted MCP server ({@link startMockMcpServer}) for the current test file and closes it afterwards. */
export function useMockMcpServer(options: StartMockMcpServerOptions): MockMcpServer {
  const server = startedForFile({
    start: () => startMockMcpServer(options),
    stop: (m) => m.close(),
  });
  return forwardTo(server, 'useMockMcpServer');
}

/**
 * Starts a value in `beforeAll` and stops it in `afterAll` (each hook may take `timeoutMs`); after each failed
 * test, writes `report(value)` to stderr. Returns a getter of the value (undefined until started).
 */
function startedForFile<T>(parts: {
  start: () => Promise<T>;
  stop: (value: T) => Promise<void>;
  report?: (value: T) => string;
  timeoutMs?: number;
}): () => T | undefined {
  let value: T | undefined;
  beforeAll(async () => {
    value = await parts.start();
  }, parts.timeoutMs);
  const { report } = parts;
  if (report !== undefined) {
    afterEach((context) => {
      if (context.task.result?.state !== 'fail' || value === undefined) return;
      process.stderr.write(`\n--- test "${context.task.name}" failed ---\n${report(value)}\n---\n`);
    });
  }
  afterAll(async () => {
    if (value !== undefined) await parts.stop(value);
  }, parts.timeoutMs);
  return () => value;
}

/** The last 60 lines of `text`. */
function tail(text: string): string {
  return text.split('\n').slice(-60).join('\n');
}

// Reads each property at access time, so getters such as `running` stay live.
function forwardTo<T extends object>(current: () => T | undefined, owner: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const value = current();
      if (value === undefined) {
        throw new Error(`${owner}(): not started yet; use the handle inside tests or hooks`);
      }
      return Reflect.get(value, property);
    },
  });
}

export type { DescribeConformanceOptions } from './conformance/describe-conformance.js';
export { describeConformance } from './conformance/describe-conformance.js';
export type {
  LiveAdapter,
  LiveMode,
  LiveScenarioName,
  LiveTurnStart,
  LiveTurnStarted,
} from './live-kit-scenarios.js';
export { liveScenarioNames, liveScenarios } from './live-kit-scenarios.js';
