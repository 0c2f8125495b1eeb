/**
 * One conformance run's moving parts: a real restate-server (normal or always-replay), the scripted model
 * server, the ledger, and the driver's service in a child process that scenarios may kill.
 */
import { startCrashHarness } from '../crash-harness.js';
import type { MockModelServer } from '../mock-model/mock-model-server.js';
import type { MockScript } from '../mock-model/types.js';
import type { RestateEnvironment } from '../restate-server.js';
import type { ServiceProcess } from '../service-process.js';
import {
  CONFORMANCE_HANDLER,
  CONFORMANCE_OBJECT,
  type ConformanceInput,
  type ConformanceOutput,
} from './contract.js';
import type { ConformanceDriver, ConformanceMode } from './driver.js';
import type { Ledger } from './ledger.js';

/** What a scenario gets: the environment plus a session and model name of its own. */
export interface ScenarioContext {
  mode: ConformanceMode;
  restate: RestateEnvironment;
  service: ServiceProcess;
  model: MockModelServer;
  ledger: Ledger;
  /** This scenario's session key and model name (unique per scenario and mode). */
  session: string;
  /** Registers the scripted model's replies for this scenario's model name. */
  script(script: MockScript): void;
  /** Starts `run` on this scenario's session; returns the invocation id. */
  start(
    input: Omit<ConformanceInput, 'model'> & { model?: string },
    session?: string,
  ): Promise<string>;
  /** Waits for the invocation's output (rejects with `InvocationFailedError` on failure). */
  result(invocationId: string): Promise<ConformanceOutput>;
}

/** A running harness for one driver and mode. */
export interface ConformanceHarness {
  mode: ConformanceMode;
  restate: RestateEnvironment;
  service: ServiceProcess;
  model: MockModelServer;
  ledger: Ledger;
  /** A fresh context for the named scenario. */
  scenario(name: string): ScenarioContext;
  /** Server log and service output tails, for failure reports. */
  diagnostics(): string;
  stop(): Promise<void>;
}

/** Starts restate-server, the model server, the ledger and the driver's service, and registers it. */
export async function startConformanceHarness(
  driver: ConformanceDriver,
  mode: ConformanceMode,
): Promise<ConformanceHarness> {
  // crash-mid-loop restarts the service: the crash harness keeps the next process loaded and has the server
  // retry every 50 ms..1 s, which changes nothing a scenario asserts (step retry caps are counted by the SDK,
  // and 70 attempts at most 1 s apart still outlast a minute of restart on a busy machine before the server
  // would pause the invocation).
  const harness = await startCrashHarness({
    serviceEntry: driver.serviceEntry,
    env: driver.env,
    restate: { alwaysReplay: mode === 'always-replay' },
  });
  const { restate, service, model } = harness;
  const parts = { mode, restate, service, model, ledger: harness.ledger };
  let counter = 0;
  return {
    ...parts,
    scenario(name) {
      counter += 1;
      const session = `${name}-${mode}-${counter}`;
      return {
        ...parts,
        session,
        script: (script) => model.conversation(session, script),
        async start(input, sessionOverride) {
          const body: ConformanceInput = { model: session, ...input };
          const target = {
            service: CONFORMANCE_OBJECT,
            handler: CONFORMANCE_HANDLER,
            key: sessionOverride ?? session,
          };
          const { invocationId } = await restate.send(target, body);
          return invocationId;
        },
        result: (invocationId) =>
          restate.attach<ConformanceOutput>(invocationId, { timeoutMs: 45_000 }),
      };
    },
    diagnostics: () =>
      `--- service output ---\n${service.output().slice(-6000)}\n--- restate-server log ---\n${restate
        .logs()
        .slice(-6000)}`,
    stop: harness.stop,
  };
}
