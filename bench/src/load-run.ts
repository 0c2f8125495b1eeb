/**
 * The driver of `pnpm bench:load`: a real restate-server, the scripted model answering after a simulated
 * latency, and one service process (load-service.ts) holding every adapter's durable agent and the same
 * agents with no Restate. For each N, all N invocations are sent at once, to the durable agent through
 * Restate's ingress and to the no-Restate agent over plain HTTP; the two alternate, so both meet the same
 * machine. Measured per run: wall time (first send → last answer), throughput, the service process's CPU
 * (`process.cpuUsage`) and heap (sampled every 20 ms; the peak over the post-GC heap before the run), and
 * restate-server's CPU (`/proc/<pid>/stat`).
 *
 * The suspension part starts N agents that wait on an approval after one model call, once with the
 * server's default inactivity timeout (they hold the service's memory while waiting) and once with a short
 * `inactivityTimeout` (Restate suspends them and the service's memory goes back to its baseline).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  type RestateEnvironment,
  type ServiceProcess,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import { type LoadAdapter, loadServiceName } from './load-agents.ts';
import { median, ratio, round } from './stats.ts';
import { conversationName } from './workload.ts';

export interface LoadOptions {
  ns: number[];
  adapters: LoadAdapter[];
  /** Simulated model latency per call, ms. */
  latencyMs: number;
  /** Agent turns with a tool call (K+1 model calls, K tool calls). */
  k: number;
  /** Timed repetitions of each (adapter, N, mode); the median is reported. */
  reps: number;
  /** N of the suspension part; empty to skip it. */
  suspendNs: number[];
  /** `inactivityTimeout` of the prompt-suspending waiting service. */
  inactivityMs: number;
  /** Write CPU profiles of the largest N's runs to this folder. */
  profileDir?: string;
  log?: (line: string) => void;
}

export interface LoadRun {
  wallMs: number;
  /** Per invocation, client-measured. */
  latencyP50Ms: number;
  latencyP95Ms: number;
  throughputPerS: number;
  serviceCpuMsPerAgent: number;
  serverCpuMsPerAgent: number;
  /** (peak heap during the run − post-GC heap before it) / N. */
  peakHeapKbPerAgent: number;
  peakRssMb: number;
  /** K+1 when no model call was retried (a retry follows a refused or dropped connection). */
  modelRequestsPerAgent: number;
  /** New TCP connections the service's `fetch` opened per agent (model requests reuse pooled ones). */
  connectionsPerAgent: number;
  /** Journal entries (commands and notifications) per invocation; 0 with no Restate. */
  journalEntriesPerAgent: number;
  failures: number;
  /**
   * The machine's 1-minute load average when the run ended: on a shared machine, wall times mean little
   * beside it (2 cores at load 30 give each process a fifteenth of a core).
   */
  loadAverage: number;
}

export type LoadMode = 'floor' | 'hand' | 'durable';

export interface LoadCase {
  adapter: LoadAdapter;
  n: number;
  /** The same agent, no Restate. */
  floor: LoadRun;
  /** The same agent hand-wired with `ctx.run` around each model and tool call. */
  hand: LoadRun;
  /** The adapter. */
  durable: LoadRun;
  /** durable wall / floor wall (target ≤ 1.2 at N = 1,000). */
  wallRatio: number;
  /** durable service CPU per agent / floor's (target ≤ 1.15). */
  serviceCpuRatio: number;
  /** durable wall / hand-wired wall (target ≤ 1.10). */
  wallVsHand: number;
  /** durable service CPU per agent / hand-wired's. */
  serviceCpuVsHand: number;
  /** Every repetition, for the record. */
  runs: Record<LoadMode, LoadRun[]>;
}

export interface SuspendCase {
  /** `default`: the server's 1-minute inactivity timeout; `prompt`: `inactivityTimeout` = inactivityMs. */
  variant: 'default' | 'prompt';
  n: number;
  /** Invocations the server reported suspended when the heap was read. */
  suspended: number;
  /** Post-GC service heap with the N agents waiting, minus the post-GC heap before they started. */
  heapGrowthKb: number;
  heapKbPerAgent: number;
  /** Time from the first send until every agent was waiting (and, for `prompt`, suspended). */
  settleMs: number;
}

export interface LoadResults {
  generatedAt: string;
  machine: { cpus: number; node: string; platform: string };
  options: Omit<LoadOptions, 'log' | 'profileDir'>;
  cases: LoadCase[];
  suspension: SuspendCase[];
  /** Service heap growth from the smallest to the largest N of suspended (`prompt`) agents. */
  suspendedHeapGrowthKb: number | undefined;
  profiles: string[];
}

const MODES: readonly LoadMode[] = ['floor', 'hand', 'durable'];

const serviceEntry = fileURLToPath(new URL('./load-service.ts', import.meta.url));
const modelEntry = fileURLToPath(new URL('./load-model.ts', import.meta.url));

interface Environment {
  restate: RestateEnvironment;
  model: ServiceProcess;
  /** `POST` here forgets the model's request log. */
  modelResetUrl: string;
  service: ServiceProcess;
  controlUrl: string;
  serverPid: number;
}

/** restate-server's pid: the process running the native binary on this environment's data folder. */
export function findServerPid(baseDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('restate-server') && argv.some((arg) => arg.startsWith(baseDir))) {
        return Number(entry);
      }
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error(`no restate-server process on ${baseDir}`);
}

/** CPU time (user + system) of a process, ms; /proc ticks are 10 ms. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface ServiceStats {
  cpuMs: number;
  heapUsed: number;
  rss: number;
  peakHeapUsed: number;
  peakRss: number;
  waiting: number;
  connectionsOpened: number;
}

async function control<T>(environment: Environment, path: string): Promise<T> {
  const post = () => fetch(`${environment.controlUrl}${path}`, { method: 'POST' });
  // Once more on a reset connection (a keep-alive socket closed under load); every call is idempotent.
  const response = await post().catch(post);
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body;
}

async function startEnvironment(options: LoadOptions): Promise<Environment> {
  const restate = await startRestate();
  const modelControlPort = await freePort();
  const model = await startServiceProcess({
    entry: modelEntry,
    env: {
      LOAD_LATENCY_MS: String(options.latencyMs),
      LOAD_MODEL_CONTROL_PORT: String(modelControlPort),
    },
  });
  const controlPort = await freePort();
  const service = await startServiceProcess({
    entry: serviceEntry,
    env: {
      BENCH_MODEL_URL: `${model.url}/v1`,
      LOAD_CONTROL_PORT: String(controlPort),
      LOAD_ADAPTERS: options.adapters.join(','),
      LOAD_INACTIVITY_MS: String(options.inactivityMs),
      ...(options.profileDir !== undefined && { LOAD_PROFILE_DIR: options.profileDir }),
      RESTATE_LOGGING: 'WARN',
    },
    // It imports every SDK asked for; on busy cores that alone takes a minute.
    readyTimeoutMs: 300_000,
  });
  await restate.register({ url: service.url });
  return {
    restate,
    model,
    modelResetUrl: `http://127.0.0.1:${modelControlPort}/reset`,
    service,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    serverPid: findServerPid(restate.baseDir),
  };
}

let tagCounter = 0;

async function invokeOnce(url: string, conversation: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ conversation }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return performance.now() - started;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function measureRun(
  environment: Environment,
  adapter: LoadAdapter,
  mode: LoadMode,
  n: number,
  options: LoadOptions,
  profileName: string | undefined,
): Promise<LoadRun> {
  const url =
    mode === 'floor'
      ? `${environment.controlUrl}/floor/${adapter}`
      : `${environment.restate.ingressUrl}/${loadServiceName(adapter, mode)}/run`;
  const service = mode === 'floor' ? undefined : loadServiceName(adapter, mode);
  const entriesBefore = service === undefined ? 0 : await journalEntries(environment, service);
  const before = await control<ServiceStats>(environment, '/stats?gc=1');
  await control(environment, '/stats/reset');
  if (profileName !== undefined) await control(environment, '/profile/start');
  const serverBefore = processCpuMs(environment.serverPid);
  const started = performance.now();
  const settled = await Promise.allSettled(
    Array.from({ length: n }, () =>
      invokeOnce(url, conversationName('short', options.k, `load-${process.pid}-${++tagCounter}`)),
    ),
  );
  const wallMs = performance.now() - started;
  const serverAfter = processCpuMs(environment.serverPid);
  const after = await control<ServiceStats>(environment, '/stats');
  if (profileName !== undefined) {
    await control(environment, `/profile/stop?name=${encodeURIComponent(profileName)}`);
  }
  const model = (await (await fetch(environment.modelResetUrl, { method: 'POST' })).json()) as {
    requests: number;
  };
  const entriesAfter = service === undefined ? 0 : await journalEntries(environment, service);
  const latencies = settled.flatMap((item) => (item.status === 'fulfilled' ? [item.value] : []));
  const failures = settled.filter((item) => item.status === 'rejected');
  if (failures.length > 0) {
    options.log?.(
      `${adapter} ${mode} N=${n}: ${failures.length} failed, first: ${String((failures[0] as PromiseRejectedResult).reason)}`,
    );
  }
  return {
    wallMs: round(wallMs),
    latencyP50Ms: round(percentile(latencies, 50)),
    latencyP95Ms: round(percentile(latencies, 95)),
    throughputPerS: round((n / wallMs) * 1000),
    serviceCpuMsPerAgent: round((after.cpuMs - before.cpuMs) / n, 2),
    serverCpuMsPerAgent: round((serverAfter - serverBefore) / n, 2),
    peakHeapKbPerAgent: round((after.peakHeapUsed - before.heapUsed) / 1024 / n, 1),
    peakRssMb: round(after.peakRss / 1024 / 1024),
    modelRequestsPerAgent: round(model.requests / n, 2),
    connectionsPerAgent: round((after.connectionsOpened - before.connectionsOpened) / n, 2),
    journalEntriesPerAgent: round((entriesAfter - entriesBefore) / n, 2),
    failures: failures.length,
    loadAverage: round(loadavg()[0] ?? 0, 1),
  };
}

function medianRun(runs: LoadRun[]): LoadRun {
  const pick = (key: keyof LoadRun) => round(median(runs.map((run) => run[key])), 2);
  return {
    wallMs: pick('wallMs'),
    latencyP50Ms: pick('latencyP50Ms'),
    latencyP95Ms: pick('latencyP95Ms'),
    throughputPerS: pick('throughputPerS'),
    serviceCpuMsPerAgent: pick('serviceCpuMsPerAgent'),
    serverCpuMsPerAgent: pick('serverCpuMsPerAgent'),
    peakHeapKbPerAgent: pick('peakHeapKbPerAgent'),
    peakRssMb: pick('peakRssMb'),
    modelRequestsPerAgent: pick('modelRequestsPerAgent'),
    connectionsPerAgent: pick('connectionsPerAgent'),
    journalEntriesPerAgent: pick('journalEntriesPerAgent'),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    loadAverage: pick('loadAverage'),
  };
}

async function pollUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Journal entries of every invocation of `service` the server still keeps (completed ones included). */
async function journalEntries(environment: Environment, service: string): Promise<number> {
  const rows = await environment.restate.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM sys_journal j JOIN sys_invocation i ON j.id = i.id WHERE i.target_service_name = '${service}'`,
  );
  return Number(rows[0]?.n ?? 0);
}

async function countStatus(environment: Environment, service: string, status: string) {
  const rows = await environment.restate.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM sys_invocation WHERE target_service_name = '${service}' AND status = '${status}'`,
  );
  return Number(rows[0]?.n ?? 0);
}

async function inChunks<T>(items: T[], size: number, each: (item: T) => Promise<unknown>) {
  for (let index = 0; index < items.length; index += size) {
    await Promise.all(items.slice(index, index + size).map(each));
  }
}

const KEEP_ALIVE_SETTLE_MS = 6000;

async function measureSuspension(
  environment: Environment,
  variant: 'default' | 'prompt',
  n: number,
  options: LoadOptions,
): Promise<SuspendCase> {
  const service = `LoadWait_${variant}`;
  const before = await control<ServiceStats>(environment, '/stats?gc=1');
  const started = performance.now();
  const ids: string[] = [];
  await inChunks(
    Array.from({ length: n }, (_, index) => index),
    100,
    async () => {
      const conversation = conversationName('short', options.k, `wait-${++tagCounter}`);
      // The ingress may drop a connection under load: send again under the same idempotency key, so a
      // send that did get through is not started twice.
      for (let attempt = 1; ; attempt++) {
        try {
          const { invocationId } = await environment.restate.send(
            { service, handler: 'run' },
            { conversation },
            { idempotencyKey: conversation },
          );
          ids.push(invocationId);
          break;
        } catch (error) {
          if (attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    },
  );
  await pollUntil(
    async () => (await control<ServiceStats>(environment, '/stats')).waiting - before.waiting >= n,
    `${n} agents waiting on ${service}`,
    120_000,
  );
  if (variant === 'prompt') {
    await pollUntil(
      async () => (await countStatus(environment, service, 'suspended')) >= n,
      `${n} suspended agents of ${service}`,
      120_000,
    );
  }
  const settleMs = performance.now() - started;
  // The model client's keep-alive sockets (up to one per agent after a burst) close after 5 s idle; they
  // are not what a waiting agent holds.
  await new Promise((resolve) => setTimeout(resolve, KEEP_ALIVE_SETTLE_MS));
  const suspended = await countStatus(environment, service, 'suspended');
  const after = await control<ServiceStats>(environment, '/stats?gc=1');
  await inChunks(ids, 50, (id) => environment.restate.kill(id));
  await fetch(environment.modelResetUrl, { method: 'POST' });
  const growth = (after.heapUsed - before.heapUsed) / 1024;
  return {
    variant,
    n,
    suspended,
    heapGrowthKb: round(growth),
    heapKbPerAgent: round(growth / n, 2),
    settleMs: round(settleMs),
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResults> {
  const log = options.log ?? (() => undefined);
  if (options.profileDir !== undefined) mkdirSync(options.profileDir, { recursive: true });
  const environment = await startEnvironment(options);
  const profiles: string[] = [];
  try {
    // Warm-up: JIT, connection pools and the service's lazy imports, for both forms of every agent.
    for (const adapter of options.adapters) {
      for (const mode of MODES) {
        await measureRun(environment, adapter, mode, 10, options, undefined);
      }
    }
    log('warm-up done');
    const cases: LoadCase[] = [];
    const largest = Math.max(...options.ns);
    for (const n of options.ns) {
      for (const adapter of options.adapters) {
        const runs: Record<LoadMode, LoadRun[]> = { floor: [], hand: [], durable: [] };
        for (let rep = 0; rep < options.reps; rep++) {
          // Rotate which form goes first, so none always meets a warmer (or more tired) machine.
          const order = MODES.map((_, index) => MODES[(index + rep) % MODES.length] as LoadMode);
          for (const mode of order) {
            runs[mode].push(await measureRun(environment, adapter, mode, n, options, undefined));
          }
        }
        if (options.profileDir !== undefined && n === largest) {
          // Extra runs under the profiler, not counted: sampling slows the process it measures.
          for (const mode of MODES) {
            const name = `${adapter}-${mode}-n${n}`;
            await measureRun(environment, adapter, mode, n, options, name);
            profiles.push(join(options.profileDir, `${name}.cpuprofile`));
          }
        }
        const floor = medianRun(runs.floor);
        const hand = medianRun(runs.hand);
        const durable = medianRun(runs.durable);
        const item: LoadCase = {
          adapter,
          n,
          floor,
          hand,
          durable,
          wallRatio: ratio(durable.wallMs, floor.wallMs),
          serviceCpuRatio: ratio(durable.serviceCpuMsPerAgent, floor.serviceCpuMsPerAgent),
          wallVsHand: ratio(durable.wallMs, hand.wallMs),
          serviceCpuVsHand: ratio(durable.serviceCpuMsPerAgent, hand.serviceCpuMsPerAgent),
          runs,
        };
        cases.push(item);
        log(
          `${adapter} N=${n}: wall no-Restate/hand/durable ${floor.wallMs}/${hand.wallMs}/${durable.wallMs} ms ` +
            `(×${item.wallRatio} vs no Restate, ×${item.wallVsHand} vs hand), service CPU/agent ` +
            `${floor.serviceCpuMsPerAgent}/${hand.serviceCpuMsPerAgent}/${durable.serviceCpuMsPerAgent} ms ` +
            `(×${item.serviceCpuRatio}, ×${item.serviceCpuVsHand}), server CPU/agent ${durable.serverCpuMsPerAgent} ms, ` +
            `heap/agent ${durable.peakHeapKbPerAgent} KB, model requests/agent ` +
            `${floor.modelRequestsPerAgent}/${hand.modelRequestsPerAgent}/${durable.modelRequestsPerAgent}, ` +
            `connections/agent ${floor.connectionsPerAgent}/${hand.connectionsPerAgent}/${durable.connectionsPerAgent}, ` +
            `journal entries/agent ${hand.journalEntriesPerAgent}/${durable.journalEntriesPerAgent}`,
        );
      }
    }
    const suspension: SuspendCase[] = [];
    for (const variant of ['prompt', 'default'] as const) {
      for (const n of options.suspendNs) {
        const item = await measureSuspension(environment, variant, n, options);
        suspension.push(item);
        log(
          `waiting (${variant}) N=${n}: ${item.suspended} suspended, heap +${item.heapGrowthKb} KB (${item.heapKbPerAgent} KB/agent), settled in ${item.settleMs} ms`,
        );
      }
    }
    const prompt = suspension.filter((item) => item.variant === 'prompt');
    const { log: _log, profileDir: _dir, ...recorded } = options;
    return {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: (await import('node:os')).cpus().length,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
      options: recorded,
      cases,
      suspension,
      suspendedHeapGrowthKb:
        prompt.length >= 2
          ? round((prompt.at(-1)?.heapGrowthKb ?? 0) - (prompt[0]?.heapGrowthKb ?? 0))
          : undefined,
      profiles,
    };
  } finally {
    await environment.service.stop();
    await environment.model.stop();
    await environment.restate.stop();
  }
}
