/**
 * The moving parts of a crash test of a service of your own: a real restate-server that retries quickly, the
 * scripted model server, the ledger, and the service in a child process with a warm standby, registered. The
 * conformance suite runs on it too.
 */
import { CONFORMANCE_ENV } from './conformance/contract.js';
import { type Ledger, startLedger } from './conformance/ledger.js';
import { type MockModelServer, startMockModel } from './mock-model/mock-model-server.js';
import {
  type RestateEnvironment,
  type StartRestateOptions,
  startRestate,
} from './restate-server.js';
import { type ServiceProcess, startServiceProcess } from './service-process.js';

/** `CONFORMANCE_ENV`'s base URLs of the scripted model server, the environment a service reaches it by. */
export function modelServerEnv(model: MockModelServer): Record<string, string> {
  return {
    [CONFORMANCE_ENV.openaiBaseUrl]: model.openaiBaseUrl,
    [CONFORMANCE_ENV.anthropicBaseUrl]: model.anthropicBaseUrl,
    [CONFORMANCE_ENV.geminiBaseUrl]: model.geminiBaseUrl,
  };
}

/** Options of {@link startCrashHarness}. */
export interface StartCrashHarnessOptions {
  /**
   * The service module, served on `process.env.PORT` (as `startServiceProcess`'s `entry`). It is started with
   * `CONFORMANCE_ENV`'s variables: the scripted model server's OpenAI, Anthropic and Gemini base URLs and the
   * ledger's URL.
   */
  serviceEntry: string;
  /** Extra environment of the service process; applied last. */
  env?: Record<string, string>;
  /** Options of the restate-server; `fastRetries` is on unless set to `false` here. */
  restate?: StartRestateOptions;
}

/** The running parts of a crash test. */
export interface CrashHarness {
  restate: RestateEnvironment;
  model: MockModelServer;
  ledger: Ledger;
  /** Registered with `restate`; `restart()` promotes a process that is already loaded. */
  service: ServiceProcess;
  /** Stops everything that was started; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts restate-server (with `fastRetries`, so a restarted service is retried within a second), the scripted
 * model server, the ledger and the service (a child process with `warmStandby`, so `restart()` costs a bind,
 * not loading the SDK again), side by side, and registers the service. The service loads while the server
 * starts; if any part fails to start, the others are stopped before the error is thrown.
 *
 * @example
 * const harness = await startCrashHarness({ serviceEntry, restate: { alwaysReplay: true } });
 * await harness.service.armCrash('after-refund');
 * const crashed = harness.service.crashed();
 * const { invocationId } = await harness.restate.send({ service: 'Agent', handler: 'run' }, input);
 * await crashed;
 * await harness.service.restart();
 * await harness.restate.attach(invocationId);
 * await harness.stop();
 */
export async function startCrashHarness(options: StartCrashHarnessOptions): Promise<CrashHarness> {
  const stops: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    })();
    return stopping;
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
      startRestate({ fastRetries: true, ...options.restate }),
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
        entry: options.serviceEntry,
        // A crash test restarts the service: the next process loads while the current one serves.
        warmStandby: true,
        env: { ...modelServerEnv(model), [CONFORMANCE_ENV.ledgerUrl]: ledger.url, ...options.env },
      }),
      (child) => child.stop(),
    );
    const [restate, service] = await Promise.all([restatePromise, servicePromise]);
    await restate.register({ url: service.url });
    return { restate, model, ledger, service, stop: stopAll };
  } catch (error) {
    // A sibling still starting would register its stop after the teardown: wait for every start first.
    await Promise.allSettled(pending);
    await stopAll();
    throw error;
  }
}
