import { afterAll, afterEach, beforeAll } from 'vitest';
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
  let environment: RestateEnvironment | undefined;
  beforeAll(async () => {
    environment = await startRestate(options);
  });
  afterEach((context) => {
    if (context.task.result?.state !== 'fail' || environment === undefined) return;
    const tail = environment.logs().split('\n').slice(-60).join('\n');
    process.stderr.write(
      `\n--- restate-server log tail (test "${context.task.name}" failed) ---\n${tail}\n---\n`,
    );
  });
  afterAll(async () => {
    await environment?.stop();
  });
  return forwardTo(() => environment, 'useRestate');
}

/**
 * Starts a service child process for the current test file and stops it afterwards; the returned
 * object forwards to the running {@link ServiceProcess}. Its output is written to stderr when a
 * test fails.
 */
export function useServiceProcess(options: StartServiceProcessOptions): ServiceProcess {
  let service: ServiceProcess | undefined;
  beforeAll(async () => {
    service = await startServiceProcess(options);
  });
  afterEach((context) => {
    if (context.task.result?.state !== 'fail' || service === undefined) return;
    const tail = service.output().split('\n').slice(-60).join('\n');
    process.stderr.write(
      `\n--- service process output (test "${context.task.name}" failed) ---\n${tail}\n---\n`,
    );
  });
  afterAll(async () => {
    await service?.stop();
  });
  return forwardTo(() => service, 'useServiceProcess');
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
