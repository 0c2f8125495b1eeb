import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as restate from '@restatedev/restate-sdk';
import { connect } from '@restatedev/restate-sdk-clients';
import {
  controlInvocation,
  type InvocationStatus,
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
  rejectAwakeable,
  resolveAwakeable,
  sendInvocation,
} from './ingress-api.js';
import { InvocationFailedError } from './invocation-failed-error.js';
import { pollUntil } from './poll-until.js';
import type { RestateEnvironment, StartRestateOptions } from './restate-server.js';
import { expectOk, serverEnvironment } from './server-env.js';
import { type RestateServerProcess, spawnRestateServer } from './spawn-restate-server.js';

/** One restate-server node of a {@link RestateCluster}. */
export interface RestateNode {
  /** `n1`, `n2`, …: the node name, kept across restarts. */
  name: string;
  /** The forced node id (1, 2, …), so `N2` is always `n2`. */
  nodeId: number;
  ingressUrl: string;
  adminUrl: string;
  /** Node-to-node address (`http://127.0.0.1:<port>/`); also serves Prometheus `/metrics`. */
  fabricUrl: string;
  /** pid of the current restate-server process (a restart changes it). */
  readonly pid: number;
  /** False between `kill()` and `restart()`, or when the process died by itself. */
  alive(): boolean;
  /**
   * Kills the node and waits until it is gone; its data folder stays for `restart()`. SIGKILL by
   * default; `SIGTERM` shuts down gracefully (restate-server takes ~2 s).
   */
  kill(options?: { signal?: 'SIGKILL' | 'SIGTERM' }): Promise<void>;
  /**
   * Starts the node again with the same name, id, ports and data; resolves once its admin and ingress
   * answer health checks. It rejoins the cluster by itself: `cluster.waitReady()` waits until it serves.
   */
  restart(): Promise<void>;
  /** Whether this node leads the partition right now (Prometheus gauge `restate_num_active_partition_leaders`). */
  isLeader(): Promise<boolean>;
  /** This node's stdout and stderr over all its runs (the last 1 MiB of each run). */
  logs(): string;
}

/**
 * A restate-server cluster on loopback plus the helpers of a single server. `ingressUrl`, `adminUrl`
 * and `client` are node 1's; every other helper goes through a live node and retries on the next one
 * when a node is down or answers with a transient error, so tests can kill nodes under it.
 */
export interface RestateCluster extends RestateEnvironment {
  nodes: readonly RestateNode[];
  /** The node leading the partition; waits (default 30 s) while a failover is under way. */
  leader(options?: { timeoutMs?: number }): Promise<RestateNode>;
  /**
   * Waits (default `startTimeoutMs`, else 60 s) until every live node's admin answers SQL and a probe invocation succeeds
   * through every live ingress: health endpoints answer long before a node can serve.
   */
  waitReady(options?: { timeoutMs?: number }): Promise<void>;
}

/** The service the cluster calls through every ingress to know it serves invocations. */
// Names starting with "restate" are reserved by the server.
const PROBE_SERVICE = 'TestkitClusterProbe';

const probeService = restate.service({
  name: PROBE_SERVICE,
  handlers: { ping: async (_ctx: restate.Context): Promise<string> => 'pong' },
});

// Removes the cluster folder once this process is gone, even by SIGKILL (EOF on the pipe): the node
// watchdogs only kill their servers and clean their TMPDIR, so a killed node keeps its data.
const folderWatchdogScript = `
read -r _ || true
sleep 1
rm -rf "$1"
`;

/** Starts a cluster of `options.nodes` restate-server processes; see {@link RestateCluster}. */
export async function startRestateCluster(
  options: StartRestateOptions & { nodes: number },
): Promise<RestateCluster> {
  const count = options.nodes;
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    throw new Error(`startRestate: nodes must be a whole number from 1 to 9, got ${String(count)}`);
  }
  // Every node lists every fabric port before any starts, so a port taken in between means starting
  // the whole cluster again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(options, count);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('Address already in use')) throw error;
    }
  }
}

interface NodeHandle extends RestateNode {
  server: RestateServerProcess | undefined;
  spawn(): Promise<void>;
  /** True once this process killed the node on purpose (an unexpected death fails waits). */
  killedOnPurpose: boolean;
}

async function startClusterOnce(
  options: StartRestateOptions,
  count: number,
): Promise<RestateCluster> {
  // Short names: restate's paths under it (and unix sockets, should the fabric ever use them) stay short.
  const baseDir = await mkdtemp(join(tmpdir(), 'ra-cluster-'));
  const folderWatchdog = spawn('/bin/sh', ['-c', folderWatchdogScript, 'ra-folder', baseDir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  folderWatchdog.unref();
  (folderWatchdog.stdin as { unref?: () => void } | null)?.unref?.();
  const ports = await freePorts(3 * count);
  const port = (node: number, kind: 0 | 1 | 2): number => ports[node * 3 + kind] as number;
  const fabricUrls = Array.from({ length: count }, (_, i) => `http://127.0.0.1:${port(i, 0)}/`);
  const clusterName = basename(baseDir);
  const replication = String(Math.min(2, count));
  const nodes: NodeHandle[] = fabricUrls.map((fabricUrl, i) => {
    const name = `n${i + 1}`;
    const nodeDir = join(baseDir, name);
    const nodeTemp = join(baseDir, `${name}-tmp`);
    const history: string[] = [];
    const env = serverEnvironment(options, {
      TMPDIR: nodeTemp,
      RESTATE_CLUSTER_NAME: clusterName,
      RESTATE_NODE_NAME: name,
      // Without it ids follow join order, and `N2` could be n3.
      RESTATE_FORCE_NODE_ID: String(i + 1),
      // Exactly one node provisions the cluster; the others join it.
      RESTATE_AUTO_PROVISION: i === 0 ? 'true' : 'false',
      RESTATE_DEFAULT_REPLICATION: replication,
      RESTATE_METADATA_CLIENT__ADDRESSES: JSON.stringify(fabricUrls),
      RESTATE_BIND_PORT: String(port(i, 0)),
      // Set, or the fabric address is guessed from a routable IP rather than loopback.
      RESTATE_ADVERTISED_ADDRESS: fabricUrl,
      RESTATE_ADMIN__BIND_PORT: String(port(i, 1)),
      RESTATE_INGRESS__BIND_PORT: String(port(i, 2)),
    });
    const node: NodeHandle = {
      name,
      nodeId: i + 1,
      fabricUrl,
      adminUrl: `http://127.0.0.1:${port(i, 1)}`,
      ingressUrl: `http://127.0.0.1:${port(i, 2)}`,
      server: undefined,
      killedOnPurpose: false,
      get pid() {
        return node.server?.pid ?? -1;
      },
      alive: () => node.server !== undefined && !node.server.exited(),
      spawn: async () => {
        if (node.server !== undefined) history.push(node.server.output.text());
        await mkdir(nodeTemp, { recursive: true });
        node.killedOnPurpose = false;
        // The watchdog removes only the node's TMPDIR when the node dies: its data must survive a kill.
        node.server = await spawnRestateServer({
          args: ['--base-dir', nodeDir, '--no-logo', '--listen-mode', 'tcp'],
          env,
          cleanupDir: nodeTemp,
        });
      },
      kill: async ({ signal = 'SIGKILL' } = {}) => {
        const server = node.server;
        if (server === undefined) return;
        node.killedOnPurpose = true;
        if (signal === 'SIGTERM' && !server.exited()) {
          try {
            process.kill(server.pid, 'SIGTERM');
          } catch {
            // already gone
          }
          await pollUntil(async () => (server.exited() ? true : undefined), {
            description: `${name} to shut down after SIGTERM`,
            timeoutMs: 15_000,
            intervalMs: 20,
          }).catch(() => undefined);
        }
        await server.kill();
      },
      restart: async () => {
        if (node.alive()) throw new Error(`${name} is running; kill() it before restart()`);
        await node.spawn();
        await waitHealthy(node, 30_000);
      },
      isLeader: async () => (await leadersOn(node)) > 0,
      logs: () => [...history, node.server?.output.text() ?? ''].join('\n'),
    };
    return node;
  });

  const endpoints: InProcessEndpoint[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.kill()));
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
    await rm(baseDir, { recursive: true, force: true, maxRetries: 3 });
    folderWatchdog.stdin?.end('stop\n');
  };
  try {
    await Promise.all(nodes.map((node) => node.spawn()));
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const cluster = createCluster({ nodes, baseDir, endpoints, stop, readyTimeoutMs: timeoutMs });
    // Silent: it is called on every readiness check.
    const probe = await serveInProcess([probeService], { logger: () => undefined });
    endpoints.push(probe);
    // Registration needs the metadata quorum and a partition leader: wait for SQL on every admin first.
    await pollUntil(
      async () => {
        for (const node of nodes)
          await queryAdmin(node.adminUrl, 'SELECT count(1) FROM sys_invocation');
        return true;
      },
      {
        description: 'every admin of the cluster to answer SQL',
        timeoutMs,
        intervalMs: 100,
        details: () => withLogs('', nodes).message,
        failIf: () => unexpectedDeath(nodes),
      },
    );
    await cluster.register({ url: probe.url }).catch((error: unknown) => {
      throw withLogs(error, nodes);
    });
    await cluster.waitReady({ timeoutMs });
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

function withLogs(error: unknown, nodes: readonly RestateNode[]): Error {
  const tails = nodes.map((node) => `--- ${node.name} log tail ---\n${tail(node.logs(), 20)}`);
  return new Error(`${String(error)}\n${tails.join('\n')}`, { cause: error });
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** A node that died without being killed by us fails every wait at once, with its log. */
function unexpectedDeath(nodes: readonly NodeHandle[]): Error | undefined {
  const dead = nodes.find((node) => !node.killedOnPurpose && node.server?.exited());
  return dead === undefined
    ? undefined
    : new Error(`restate-server ${dead.name} exited by itself.\n${tail(dead.logs(), 40)}`);
}

async function waitHealthy(node: NodeHandle, timeoutMs: number): Promise<void> {
  await pollUntil(
    async () => {
      await expectOk(`${node.adminUrl}/health`);
      await expectOk(`${node.ingressUrl}/restate/health`);
      return true;
    },
    {
      description: `restate-server ${node.name} to answer health checks`,
      timeoutMs,
      details: () => tail(node.logs(), 30),
      failIf: () => unexpectedDeath([node]),
    },
  );
}

/** Partitions this node leads, from its Prometheus metrics on the fabric port. */
async function leadersOn(node: RestateNode): Promise<number> {
  if (!node.alive()) return 0;
  const response = await fetch(`${node.fabricUrl}metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const match = /^restate_num_active_partition_leaders\{[^}]*\} (\d+)/m.exec(text);
  return match === null ? 0 : Number(match[1]);
}

/**
 * Errors worth trying again on another node: the node is down, starting, or between leaders; or a query
 * whose remote scan expired while the machine was too busy to read it.
 */
function isTransient(error: unknown): boolean {
  // A gateway error from an ingress between leaders, not the invocation's own failure.
  if (error instanceof InvocationFailedError) return [502, 503, 504].includes(error.code);
  const text = `${String(error)} ${String((error as { cause?: unknown }).cause ?? '')}`;
  return /fetch failed|ECONNREFUSED|ECONNRESET|UND_ERR|socket|other side closed|node lookup|not.+(ready|available)|unavailable|\(50[23]\)|timed? ?out|partition|no such scanner/i.test(
    text,
  );
}

/** A request refused before it reached the node: safe to send again, even without idempotency key. */
function neverDelivered(error: unknown): boolean {
  const text = `${String(error)} ${String((error as { cause?: { code?: unknown } }).cause?.code ?? '')}`;
  return /ECONNREFUSED|service '.*' not found/i.test(text);
}

function createCluster(parts: {
  nodes: NodeHandle[];
  baseDir: string;
  endpoints: InProcessEndpoint[];
  stop: () => Promise<void>;
  /** Default wait of `waitReady()` and `register()`: `startTimeoutMs`, else 60 s. */
  readyTimeoutMs: number;
}): RestateCluster {
  const { nodes, baseDir, endpoints } = parts;
  const first = nodes[0] as NodeHandle;
  const services = new Set<string>();
  let turn = 0;
  let stopping: Promise<void> | undefined;

  /**
   * Runs `call` against live nodes in turn until it succeeds, the error is not transient (or
   * `retry` says no), or `timeoutMs` passed.
   */
  const onLiveNode = async <T>(
    what: string,
    call: (node: NodeHandle) => Promise<T>,
    { timeoutMs = 30_000, retry = isTransient } = {},
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      const live = nodes.filter((node) => node.alive());
      for (let step = 0; step < live.length; step++) {
        const node = live[(turn + step) % live.length] as NodeHandle;
        try {
          const result = await call(node);
          turn = (turn + step) % live.length;
          return result;
        } catch (error) {
          if (!retry(error)) throw error;
          lastError = error;
        }
      }
      turn++;
      if (Date.now() >= deadline) {
        throw new Error(
          `${what}: no live node of the cluster succeeded within ${timeoutMs} ms. Last error: ${String(lastError)}`,
          { cause: lastError },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const admin = <T>(what: string, call: (adminUrl: string) => Promise<T>): Promise<T> =>
    onLiveNode(what, (node) => call(node.adminUrl));

  // After a registration, other ingresses say "service not found" for a moment: a call to a handler
  // that does not exist tells "service unknown" from "service known" without starting an invocation.
  const knowsServices = async (node: NodeHandle): Promise<boolean> => {
    for (const service of services) {
      const response = await fetch(
        `${node.ingressUrl}/${encodeURIComponent(service)}/restate-agents-no-such-handler`,
        { method: 'POST', signal: AbortSignal.timeout(5_000) },
      );
      const text = await response.text();
      if (response.status === 404 && text.includes(`service '${service}' not found`)) return false;
    }
    return true;
  };

  const waitReady = async ({ timeoutMs = parts.readyTimeoutMs } = {}): Promise<void> => {
    const pending = new Set(nodes.filter((node) => node.alive()).map((node) => node.name));
    let lastError: unknown;
    await pollUntil(
      async () => {
        for (const node of nodes) {
          if (!pending.has(node.name) || !node.alive()) continue;
          try {
            // The partition processor serves only once SQL over the invocation table works.
            await queryAdmin(node.adminUrl, 'SELECT count(1) FROM sys_invocation');
            const response = await fetch(`${node.ingressUrl}/${PROBE_SERVICE}/ping`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              signal: AbortSignal.timeout(10_000),
            });
            const text = await response.text();
            if (!response.ok)
              throw new Error(`probe via ${node.name} answered ${response.status}: ${text}`);
            if (!(await knowsServices(node)))
              throw new Error(`${node.name} does not know every service yet`);
            pending.delete(node.name);
          } catch (error) {
            lastError = error;
          }
        }
        return pending.size === 0 ? true : undefined;
      },
      {
        description: `the cluster to serve through every live node (waiting for ${[...pending].join(', ')})`,
        timeoutMs,
        intervalMs: 100,
        details: () =>
          `Last error: ${String(lastError)}\n${nodes.map((node) => `--- ${node.name} log tail ---\n${tail(node.logs(), 15)}`).join('\n')}`,
        failIf: () => unexpectedDeath(nodes),
      },
    );
  };

  const invocation = async (invocationId: string): Promise<InvocationStatus> => {
    const status = await admin('reading an invocation', (url) => readInvocation(url, invocationId));
    if (status === undefined) throw new Error(`Invocation ${invocationId} not found`);
    return status;
  };

  return {
    ingressUrl: first.ingressUrl,
    adminUrl: first.adminUrl,
    baseDir,
    nodes,
    client: connect({ url: first.ingressUrl }),
    leader: ({ timeoutMs = 30_000 } = {}) =>
      pollUntil(
        async () => {
          const counts = await Promise.all(nodes.map((node) => leadersOn(node).catch(() => 0)));
          const leaders = nodes.filter((_, index) => (counts[index] ?? 0) > 0);
          return leaders.length === 1 ? leaders[0] : undefined;
        },
        {
          description: 'one node of the cluster to lead the partition',
          timeoutMs,
          intervalMs: 100,
        },
      ),
    waitReady,
    register: async (target) => {
      let url: string;
      if ('services' in target) {
        const endpoint = await serveInProcess(target.services);
        endpoints.push(endpoint);
        url = endpoint.url;
      } else {
        url = target.url;
      }
      const names = await admin(`registering ${url}`, (adminUrl) =>
        registerDeployment(adminUrl, url),
      );
      for (const name of names) services.add(name);
      await waitReady();
    },
    send: (target, input, options) =>
      onLiveNode(
        `sending to ${target.service}/${target.handler}`,
        (node) => sendInvocation(node.ingressUrl, target, input, options),
        // Without an idempotency key only a request that never arrived may be sent again.
        {
          retry: (error) =>
            options?.idempotencyKey !== undefined ? isTransient(error) : neverDelivered(error),
        },
      ),
    attach: <T>(invocationId: string, options: { timeoutMs?: number } = {}): Promise<T> => {
      const timeoutMs = options.timeoutMs ?? 30_000;
      const deadline = Date.now() + timeoutMs;
      return onLiveNode(
        `attaching to ${invocationId}`,
        (node) =>
          attachInvocation<T>(node.ingressUrl, invocationId, {
            timeoutMs: Math.max(1, deadline - Date.now()),
          }),
        {
          timeoutMs,
          // An attach cut off by a dying node is opened again on another node; a timed-out one is not.
          retry: (error) =>
            Date.now() < deadline &&
            !String(error).includes('did not complete within') &&
            isTransient(error),
        },
      );
    },
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
          last = await admin('reading an invocation', (url) => readInvocation(url, invocationId));
          return last !== undefined && matches(last) ? last : undefined;
        },
        {
          description: `invocation ${invocationId} to reach ${typeof expected === 'function' ? 'the expected state' : String(expected)}`,
          timeoutMs: options.timeoutMs,
          details: () =>
            `Last seen: ${last === undefined ? 'not found' : JSON.stringify(last.row)}`,
        },
      );
    },
    journal: (invocationId) => admin('reading a journal', (url) => readJournal(url, invocationId)),
    waitForJournal: (invocationId, predicate, options = {}) => {
      let last: JournalEntry[] = [];
      return pollUntil(
        async () => {
          last = await admin('reading a journal', (url) => readJournal(url, invocationId));
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
    journalBytes: (invocationId) =>
      admin('reading journal bytes', (url) => readJournalBytes(url, invocationId)),
    state: (service, key) => admin('reading state', (url) => readState(url, service, key)),
    cancel: (invocationId) =>
      admin('cancelling', (url) => controlInvocation(url, invocationId, 'cancel')),
    kill: (invocationId) =>
      admin('killing an invocation', (url) => controlInvocation(url, invocationId, 'kill')),
    resolveAwakeable: (awakeableId, payload) =>
      onLiveNode('resolving an awakeable', (node) =>
        resolveAwakeable(node.ingressUrl, awakeableId, payload),
      ),
    rejectAwakeable: (awakeableId, reason) =>
      onLiveNode('rejecting an awakeable', (node) =>
        rejectAwakeable(node.ingressUrl, awakeableId, reason),
      ),
    query: (sql) => admin('querying', (url) => queryAdmin(url, sql)),
    logs: () => nodes.map((node) => `--- ${node.name} ---\n${node.logs()}`).join('\n'),
    stop: () => {
      stopping ??= parts.stop();
      return stopping;
    },
  };
}
