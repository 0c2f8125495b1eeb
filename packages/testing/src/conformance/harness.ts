/**
 * One conformance run's moving parts: a real restate-server (normal or always-replay), the scripted model
 * server, the ledger, and the driver's service in a child process that scenarios may kill.
 */
import { type MockModelServer, startMockModel } from '../mock-model/mock-model-server.js';
import type { MockScript } from '../mock-model/types.js';
import { type RestateEnvironment, startRestate } from '../restate-server.js';
import { type ServiceProcess, startServiceProcess } from '../service-process.js';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_HANDLER,
  CONFORMANCE_OBJECT,
  type ConformanceInput,
  type ConformanceOutput,
} from './contract.js';
import type { ConformanceDriver, ConformanceMode } from './driver.js';
import { type Ledger, startLedger } from './ledger.js';

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
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const restate = await startRestate({ alwaysReplay: mode === 'always-replay' });
    stops.push(() => restate.stop());
    const model = await startMockModel();
    stops.push(() => model.close());
    const ledger = await startLedger();
    stops.push(() => ledger.close());
    const service = await startServiceProcess({
      entry: driver.serviceEntry,
      env: {
        [CONFORMANCE_ENV.openaiBaseUrl]: model.openaiBaseUrl,
        [CONFORMANCE_ENV.anthropicBaseUrl]: model.anthropicBaseUrl,
        [CONFORMANCE_ENV.geminiBaseUrl]: model.geminiBaseUrl,
        [CONFORMANCE_ENV.ledgerUrl]: ledger.url,
        ...driver.env,
      },
    });
    stops.push(() => service.stop());
    await restate.register({ url: service.url });

    let counter = 0;
    return {
      mode,
      restate,
      service,
      model,
      ledger,
      scenario(name) {
        counter += 1;
        const session = `${name}-${mode}-${counter}`;
        return {
          mode,
          restate,
          service,
          model,
          ledger,
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
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
