import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeEndpointOptions } from '@restatedev/restate-sdk';
import { connect, type Ingress } from '@restatedev/restate-sdk-clients';
import {
  controlInvocation,
  type InvocationStatus,
  type InvocationStatusName,
  type JournalEntry,
  queryAdmin,
  readInvocation,
  readJournal,
  readJournalBytes,
  readState,
  registerDeployment,
} from './admin-api.js';
import { freePorts } from './free-port.js';
import { type InProcessEndpoint, serveInProcess } from './in-process-endpoint.js';
import {
  attachInvocation,
  type InvocationTarget,
  rejectAwakeable,
  resolveAwakeable,
  type SendOptions,
  sendInvocation,
} from './ingress-api.js';
import { pollUntil } from './poll-until.js';
import { type RestateCluster, startRestateCluster } from './restate-cluster.js';
import { assertServerOptions, expectOk, serverEnvironment } from './server-env.js';
import { type RestateServerProcess, spawnRestateServer } from './spawn-restate-server.js';

/** Options for {@link startRestate}. */
export interface StartRestateOptions {
  /**
   * Suspend at every await and replay the journal on resume
   * (`worker.invoker.inactivity-timeout = 0s`): every `ctx.run` ends the attempt, so code outside
   * `ctx.run` runs again once per journaled step — the mode that exposes non-determinism.
   */
  alwaysReplay?: boolean;
  /**
   * One attempt only: a handler that throws a retryable error is killed at once
   * (`default-retry-policy.max-attempts = 1`, `on-max-attempts = kill`) and attach rejects with 409.
   */
  disableRetries?: boolean;
  /**
   * Kill an invocation after this many attempts (`default-retry-policy.max-attempts`,
   * `on-max-attempts = kill`; attach rejects with 409), instead of Restate's default of retrying for good: a
   * bug fails fast while a durable step's retries (each ends an attempt) still get their tries.
   * `disableRetries` is `maxAttempts: 1` and wins over it.
   */
  maxAttempts?: number;
  /**
   * Retry invocations every 50 ms, at most 1 s apart (`default-retry-policy.initial-interval = 50ms`,
   * `max-interval = 1s`), instead of Restate's default 500 ms doubling up to 1 min. After a SIGKILL Restate
   * retries the dead service while it restarts; with the default, the first retry that finds it back can
   * come seconds after it is up. Leave it off where a test asserts on the back-off itself.
   */
  fastRetries?: boolean;
  /** Extra `RESTATE_*` variables (config keys, `__` for nesting); applied last. */
  env?: Record<string, string>;
  /** `RESTATE_LOG_FILTER`; default `warn,octocrab=off`. */
  logFilter?: string;
  /**
   * Start a cluster of this many restate-server nodes on loopback instead of one server (replicated
   * metadata and log, replication `min(2, nodes)`): `startRestate` then returns a {@link RestateCluster}.
   */
  nodes?: number;
  /** How long to wait for the server to become healthy; default 30 s. */
  startTimeoutMs?: number;
}

/** What {@link RestateEnvironment.register} accepts: services to serve in-process, or an endpoint URL. */
export type RegisterTarget =
  | { services: NodeEndpointOptions['services'] }
  | {
      /** A running endpoint, e.g. a `ServiceProcess`, as Restate should reach it. */
      url: string;
    };

/** A running restate-server plus helpers to drive and inspect it. */
export interface RestateEnvironment {
  ingressUrl: string;
  adminUrl: string;
  /** Typed ingress client from `@restatedev/restate-sdk-clients`. */
  client: Ingress;
  /** Registers a deployment (`force: true`, so re-registering changed services works). */
  register(target: RegisterTarget): Promise<void>;
  /** Starts an invocation without waiting for it. */
  send(
    target: InvocationTarget,
    input?: unknown,
    options?: SendOptions,
  ): Promise<{ invocationId: string }>;
  /** Waits for the invocation's result; failures reject with `InvocationFailedError`. */
  attach<T = unknown>(invocationId: string, options?: { timeoutMs?: number }): Promise<T>;
  /** The invocation's `sys_invocation` row; throws if the server does not know the id. */
  invocation(invocationId: string): Promise<InvocationStatus>;
  /** Polls `sys_invocation` until the status matches (a name, several names or a predicate). */
  waitForStatus(
    invocationId: string,
    expected:
      | InvocationStatusName
      | ReadonlyArray<InvocationStatusName>
      | ((status: InvocationStatus) => boolean),
    options?: { timeoutMs?: number },
  ): Promise<InvocationStatus>;
  /** The invocation's journal entries in order. */
  journal(invocationId: string): Promise<JournalEntry[]>;
  /**
   * Polls the journal until `predicate` holds, e.g. until a step was journaled. Prefer it to
   * `waitForStatus('suspended')` outside always-replay mode: an invocation waiting on an awakeable or
   * sleep stays `running` until the inactivity timeout (60 s by default) suspends it.
   */
  waitForJournal(
    invocationId: string,
    predicate: (journal: JournalEntry[]) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<JournalEntry[]>;
  /** Total stored journal size in bytes (sum of `raw_length`). */
  journalBytes(invocationId: string): Promise<number>;
  /** A virtual object's or workflow's state, JSON values decoded. */
  state(service: string, key: string): Promise<Record<string, unknown>>;
  cancel(invocationId: string): Promise<void>;
  kill(invocationId: string): Promise<void>;
  resolveAwakeable(awakeableId: string, payload?: unknown): Promise<void>;
  rejectAwakeable(awakeableId: string, reason: string): Promise<void>;
  /** Runs SQL against the introspection tables (`sys_invocation`, `sys_journal`, `state`, …). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The server's stdout and stderr so far (the last 1 MiB). */
  logs(): string;
  /** The temp folder holding the data dir and the server's TMPDIR; removed by `stop()`. */
  baseDir: string;
  /** Kills the server and in-process endpoints and removes the temp folder; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a real restate-server (the npm binary, no Docker) on free ports with a throwaway data
 * folder and waits until it serves ingress, admin and SQL queries.
 *
 * The server dies with this process even when it is SIGKILLed (a watchdog reads a pipe from it),
 * so crashed test runs leave no servers behind. Startup failures carry the server's log tail.
 *
 * @example
 * const restate = await startRestate({ alwaysReplay: true });
 * await restate.register({ services: [greeter] });
 * const { invocationId } = await restate.send({ service: 'greeter', handler: 'greet' }, 'Ada');
 * await restate.attach(invocationId);
 * await restate.stop();
 */
export function startRestate(
  options: StartRestateOptions & { nodes: number },
): Promise<RestateCluster>;
export function startRestate(options?: StartRestateOptions): Promise<RestateEnvironment>;
export async function startRestate(
  options: StartRestateOptions = {},
): Promise<RestateEnvironment | RestateCluster> {
  assertServerOptions(options);
  if (options.nodes !== undefined) return startRestateCluster({ ...options, nodes: options.nodes });
  // Ports are free when chosen but may be taken before restate-server binds them: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('Address already in use')) throw error;
    }
  }
}

async function startOnce(options: StartRestateOptions): Promise<RestateEnvironment> {
  const baseDir = await mkdtemp(join(tmpdir(), 'restate-agents-server-'));
  // restate-server leaves `invoker-*` folders in TMPDIR; give it its own inside our folder.
  const serverTempDir = join(baseDir, 'tmp');
  await mkdir(serverTempDir);
  const [ingressPort, adminPort, nodePort] = await freePorts(3);
  const env = serverEnvironment(options, {
    TMPDIR: serverTempDir,
    RESTATE_INGRESS__BIND_PORT: String(ingressPort),
    RESTATE_ADMIN__BIND_PORT: String(adminPort),
    RESTATE_BIND_PORT: String(nodePort),
  });
  const server = await spawnRestateServer({
    args: ['--base-dir', join(baseDir, 'data'), '--no-logo', '--listen-mode', 'tcp'],
    env,
    cleanupDir: baseDir,
  });
  const ingressUrl = `http://127.0.0.1:${ingressPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const logTail = (): string => `restate-server log tail:\n${server.output.tail(40)}`;
  try {
    await pollUntil(
      async () => {
        await expectOk(`${adminUrl}/health`);
        await expectOk(`${ingressUrl}/restate/health`);
        // The partition processor is ready only when SQL over the invocation table works.
        await queryAdmin(adminUrl, 'SELECT count(1) FROM sys_invocation');
        return true;
      },
      {
        description: `restate-server to become healthy (ingress ${ingressPort}, admin ${adminPort})`,
        timeoutMs: options.startTimeoutMs ?? 30_000,
        details: logTail,
        failIf: () =>
          server.exited()
            ? new Error(`restate-server exited during startup.\n${logTail()}`)
            : undefined,
      },
    );
  } catch (error) {
    await server.kill();
    await rm(baseDir, { recursive: true, force: true });
    throw error;
  }
  return createEnvironment({ server, baseDir, ingressUrl, adminUrl });
}

function createEnvironment(parts: {
  server: RestateServerProcess;
  baseDir: string;
  ingressUrl: string;
  adminUrl: string;
}): RestateEnvironment {
  const { server, baseDir, ingressUrl, adminUrl } = parts;
  const endpoints: InProcessEndpoint[] = [];
  let stopping: Promise<void> | undefined;

  const invocation = async (invocationId: string): Promise<InvocationStatus> => {
    const status = await readInvocation(adminUrl, invocationId);
    if (status === undefined) throw new Error(`Invocation ${invocationId} not found`);
    return status;
  };

  return {
    ingressUrl,
    adminUrl,
    baseDir,
    client: connect({ url: ingressUrl }),
    register: async (target) => {
      if ('services' in target) {
        const endpoint = await serveInProcess(target.services);
        endpoints.push(endpoint);
        await registerDeployment(adminUrl, endpoint.url);
        return;
      }
      await registerDeployment(adminUrl, target.url);
    },
    send: (target, input, options) => sendInvocation(ingressUrl, target, input, options),
    attach: (invocationId, options) => attachInvocation(ingressUrl, invocationId, options),
    invocation,
    waitForStatus: (invocationId, expected, options = {}) => {
      const matches =
        typeof expected === 'function'
          ? expected
          : (status: InvocationStatus) =>
              typeof expected === 'string'
                ? status.status === expected
                : expected.includes(status.status);
      let last: InvocationStatus | undefined;
      return pollUntil(
        async () => {
          // Unknown ids count as "not yet": the query may run before the invocation is visible.
          last = await readInvocation(adminUrl, invocationId);
          return last !== undefined && matches(last) ? last : undefined;
        },
        {
          description: `invocation ${invocationId} to reach ${typeof expected === 'function' ? 'the expected state' : String(expected)}`,
          timeoutMs: options.timeoutMs,
          details: () =>
            `Last seen: ${last === undefined ? 'not found' : JSON.stringify(last.row)}\nrestate-server log tail:\n${server.output.tail(20)}`,
        },
      );
    },
    journal: (invocationId) => readJournal(adminUrl, invocationId),
    waitForJournal: (invocationId, predicate, options = {}) => {
      let last: JournalEntry[] = [];
      return pollUntil(
        async () => {
          last = await readJournal(adminUrl, invocationId);
          return predicate(last) ? last : undefined;
        },
        {
          description: `the journal of ${invocationId} to match`,
          timeoutMs: options.timeoutMs,
          details: () =>
            `Last journal: ${last.map((entry) => `${entry.entryType} ${entry.name ?? ''}`).join(', ')}`,
        },
      );
    },
    journalBytes: (invocationId) => readJournalBytes(adminUrl, invocationId),
    state: (service, key) => readState(adminUrl, service, key),
    cancel: (invocationId) => controlInvocation(adminUrl, invocationId, 'cancel'),
    kill: (invocationId) => controlInvocation(adminUrl, invocationId, 'kill'),
    resolveAwakeable: (awakeableId, payload) => resolveAwakeable(ingressUrl, awakeableId, payload),
    rejectAwakeable: (awakeableId, reason) => rejectAwakeable(ingressUrl, awakeableId, reason),
    query: (sql) => queryAdmin(adminUrl, sql),
    logs: () => server.output.text(),
    stop: () => {
      stopping ??= (async () => {
        // Server first, so it stops calling the endpoints we are about to close.
        await server.kill();
        await Promise.all(endpoints.map((endpoint) => endpoint.close()));
        await rm(baseDir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return stopping;
    },
  };
}
