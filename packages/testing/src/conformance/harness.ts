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

/**
 * Restate's default invocation retry policy waits 500 ms, then doubles up to 1 min. After a SIGKILL the
 * server retries the dead service while it restarts; with the default the first retry that finds it up came
 * seconds after it was back (up to the whole restart time again). Retrying every 50 ms..1 s keeps that gap
 * under a second and changes nothing a scenario asserts: step retry caps are counted by the SDK, and 70
 * attempts at most 1 s apart still outlast a minute of restart on a busy machine before the server would
 * pause the invocation.
 */
const CONFORMANCE_SERVER_ENV: Record<string, string> = {
  RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL: '50ms',
  RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL: '1s',
};

/** Starts restate-server, the model server, the ledger and the driver's service, and registers it. */
export async function startConformanceHarness(
  driver: ConformanceDriver,
  mode: ConformanceMode,
): Promise<ConformanceHarness> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  // Started side by side, each registered for teardown as soon as it is up (a failed sibling stops it).
  const pending: Array<Promise<unknown>> = [];
  const started = <T>(promise: Promise<T>, stop: (value: T) => Promise<void>): Promise<T> => {
    const running = promise.then((value) => {
      stops.push(() => stop(value));
      return value;
    });
    // Handled here too: a start failing while a sibling is awaited is no unhandled rejection.
    running.catch(() => undefined);
    pending.push(running);
    return running;
  };
  try {
    const restatePromise = started(
      startRestate({ alwaysReplay: mode === 'always-replay', env: CONFORMANCE_SERVER_ENV }),
      (server) => server.stop(),
    );
    const [model, ledger] = await Promise.all([
      started(startMockModel(), (server) => server.close()),
      started(startLedger(), (server) => server.close()),
    ]);
    // The service needs the model's and the ledger's URLs, not the server: it loads (seconds for a large
    // SDK) while restate-server starts.
    const servicePromise = started(
      startServiceProcess({
        entry: driver.serviceEntry,
        // crash-mid-loop restarts the service: the next process loads while the scenarios before it run.
        warmStandby: true,
        env: {
          [CONFORMANCE_ENV.openaiBaseUrl]: model.openaiBaseUrl,
          [CONFORMANCE_ENV.anthropicBaseUrl]: model.anthropicBaseUrl,
          [CONFORMANCE_ENV.geminiBaseUrl]: model.geminiBaseUrl,
          [CONFORMANCE_ENV.ledgerUrl]: ledger.url,
          ...driver.env,
        },
      }),
      (child) => child.stop(),
    );
    const [restate, service] = await Promise.all([restatePromise, servicePromise]);
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
    // A sibling still starting would register its stop after the teardown: wait for every start first.
    await Promise.allSettled(pending);
    await stopAll();
    throw error;
  }
}
