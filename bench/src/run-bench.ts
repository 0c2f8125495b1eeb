/**
 * The benchmark driver: a real restate-server, the scripted model, and one service process holding every
 * configuration and the no-Restate floors. Runs are interleaved round-robin across configurations after a
 * warm-up, timed by the client (request sent → response read), and summarised by their medians. Journal
 * bytes are `SUM(raw_length)` from `sys_journal`. Replay is measured by SIGKILLing the service inside the
 * last tool call (before its step is journaled) and timing the new process from handler entry to that
 * tool running live again.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  type MockModelServer,
  type RestateEnvironment,
  type ServiceProcess,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import {
  availableConfigs,
  type BenchConfig,
  type BenchInput,
  FLOOR_LABELS,
  HAND_WIRED,
  LAST_TOOL_CRASH_POINT,
  serviceName,
} from './configs.ts';
import { median, ratio, round, type Summary, summarize } from './stats.ts';
import { benchScript, type ConversationSize, conversationName, stepCount } from './workload.ts';

export interface BenchOptions {
  ks: number[];
  sizes: ConversationSize[];
  /** Timed repetitions per configuration and case (after `warmup` untimed ones). */
  reps: number;
  warmup: number;
  /** K values whose replay after SIGKILL is measured, and how often. */
  replayKs: number[];
  replayReps: number;
  /** Restrict to these configuration ids (default: every configuration whose adapter is built). */
  configs?: string[];
  log?: (line: string) => void;
}

export interface CaseResult {
  size: ConversationSize;
  k: number;
  steps: number;
  config: string;
  label: string;
  wallMs: Summary;
  /** Median of the same SDK's no-Restate loop (0 for the raw floor, which calls no model). */
  floorMs: number;
  /** Durability cost per journaled step: (wall − floor) / steps. */
  overheadPerStepMs: number;
  /** Durability cost over the raw Restate floor's wall time for the same steps (target ≤ 1.15). */
  overheadVsRaw: number;
  /** Wall time over the official middleware's (target ≤ 0.9 at K=50). */
  wallVsOfficial: number | undefined;
  journalBytes: number;
  journalEntries: number;
  largestEntryBytes: number;
  /** Journal bytes over the official middleware's (target ≤ 0.25 at K=50). */
  bytesVsOfficial: number | undefined;
}

export interface FloorResult {
  size: ConversationSize;
  k: number;
  floor: string;
  label: string;
  wallMs: Summary;
}

export interface GrowthResult {
  size: ConversationSize;
  config: string;
  from: number;
  to: number;
  /** What linear growth in steps predicts: steps(to) / steps(from). */
  linear: number;
  wall: number;
  bytes: number;
  /** bytes growth / linear: ~1 is linear, well above 1 is super-linear (quadratic). */
  bytesVsLinear: number;
  wallVsLinear: number;
}

export interface ReplayRun {
  tag: string;
  /** Handler entry → the last tool running live, in the process that was then killed. */
  originalMs: number;
  /** Handler entry of the new process's attempt → the last tool running live again. */
  replayMs: number;
  restartMs: number;
  killToResponseMs: number;
  modelRequests: number;
  /** Model requests for a turn that had already been requested: must be 0. */
  modelRequestsRepeated: number;
}

export interface ReplayResult {
  config: string;
  size: ConversationSize;
  k: number;
  originalMs: number;
  replayMs: number;
  /** replay / original (target ≤ 0.10). */
  replayVsOriginal: number;
  killToResponseMs: number;
  modelRequestsRepeated: number;
  runs: ReplayRun[];
}

export interface TargetResult {
  target: string;
  config: string;
  value: number | string;
  limit: string;
  met: boolean;
}

export interface BenchResults {
  generatedAt: string;
  machine: { cpus: number; node: string; platform: string };
  options: Omit<BenchOptions, 'log'>;
  configs: Array<{ id: string; label: string; floor: string | undefined }>;
  skipped: string[];
  floors: FloorResult[];
  cases: CaseResult[];
  growth: GrowthResult[];
  replay: ReplayResult[];
  targets: TargetResult[];
}

const serviceEntry = fileURLToPath(new URL('./bench-service.ts', import.meta.url));

interface Environment {
  restate: RestateEnvironment;
  model: MockModelServer;
  service: ServiceProcess;
  floorUrl: string;
  traceFile: string;
  tempDir: string;
}

async function startEnvironment(configs: BenchConfig[]): Promise<Environment> {
  const tempDir = mkdtempSync(join(tmpdir(), 'restate-agents-bench-'));
  const traceFile = join(tempDir, 'trace.jsonl');
  const restate = await startRestate();
  const model = await startMockModel({ defaultScript: benchScript });
  const floorPort = await freePort();
  const service = await startServiceProcess({
    entry: serviceEntry,
    env: {
      BENCH_MODEL_URL: model.openaiBaseUrl,
      BENCH_FLOOR_PORT: String(floorPort),
      BENCH_TRACE_FILE: traceFile,
      BENCH_ADAPTERS: configs.flatMap((config) => config.adapter ?? []).join(','),
      RESTATE_LOGGING: 'WARN',
    },
    // A ceiling, not an expectation: the service imports every SDK, slow on busy cores.
    readyTimeoutMs: 120_000,
  });
  await restate.register({ url: service.url });
  return { restate, model, service, floorUrl: `http://127.0.0.1:${floorPort}`, traceFile, tempDir };
}

async function stopEnvironment(environment: Environment): Promise<void> {
  await environment.service.stop();
  await environment.model.close();
  await environment.restate.stop();
  rmSync(environment.tempDir, { recursive: true, force: true });
}

interface Timed {
  ms: number;
  invocationId: string | undefined;
}

async function post(url: string, input: BenchInput): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return { ms, invocationId: response.headers.get('x-restate-id') ?? undefined };
}

function invokeConfig(environment: Environment, config: string, input: BenchInput): Promise<Timed> {
  return post(`${environment.restate.ingressUrl}/${serviceName(config)}/run`, input);
}

function invokeFloor(environment: Environment, floor: string, input: BenchInput): Promise<Timed> {
  return post(`${environment.floorUrl}/${floor}`, input);
}

async function journalStats(
  restate: RestateEnvironment,
  invocationId: string,
): Promise<{ bytes: number; entries: number; largest: number }> {
  const rows = await restate.query<{ bytes: number; entries: number; largest: number }>(
    `SELECT SUM(raw_length) AS bytes, COUNT(*) AS entries, MAX(raw_length) AS largest FROM sys_journal WHERE id = '${invocationId}'`,
  );
  const row = rows[0];
  return {
    bytes: Number(row?.bytes ?? 0),
    entries: Number(row?.entries ?? 0),
    largest: Number(row?.largest ?? 0),
  };
}

let tagCounter = 0;
const nextTag = (): string => `${process.pid}-${++tagCounter}`;

async function measureCase(
  environment: Environment,
  configs: BenchConfig[],
  size: ConversationSize,
  k: number,
  options: BenchOptions,
): Promise<{ floors: FloorResult[]; cases: CaseResult[] }> {
  const floorIds = [...new Set(configs.flatMap((config) => config.floor ?? []))];
  type Runner = { key: string; run: () => Promise<Timed> };
  const runners: Runner[] = [
    ...floorIds.map((floor) => ({
      key: `floor:${floor}`,
      run: () =>
        invokeFloor(environment, floor, { conversation: conversationName(size, k, nextTag()) }),
    })),
    ...configs.map((config) => ({
      key: config.id,
      run: () =>
        invokeConfig(environment, config.id, {
          conversation: conversationName(size, k, nextTag()),
        }),
    })),
  ];
  const times = new Map<string, number[]>(runners.map((runner) => [runner.key, []]));
  const lastIds = new Map<string, string>();
  for (let round = -options.warmup; round < options.reps; round++) {
    for (const runner of runners) {
      const timed = await runner.run();
      if (round >= 0) times.get(runner.key)?.push(timed.ms);
      if (timed.invocationId !== undefined) lastIds.set(runner.key, timed.invocationId);
    }
    // The model's request log keeps every body; a round of K=200 runs holds tens of MB.
    environment.model.reset();
  }

  const floors: FloorResult[] = floorIds.map((floor) => ({
    size,
    k,
    floor,
    label: FLOOR_LABELS[floor],
    wallMs: summarize(times.get(`floor:${floor}`) ?? []),
  }));
  const steps = stepCount(k);
  const rawMs = median(times.get('raw') ?? []);
  const officialMs = median(times.get('official') ?? []);
  const cases: CaseResult[] = [];
  let officialBytes: number | undefined;
  const journals = new Map<string, { bytes: number; entries: number; largest: number }>();
  for (const config of configs) {
    const id = lastIds.get(config.id);
    if (id === undefined) throw new Error(`no invocation id for ${config.id}`);
    journals.set(config.id, await journalStats(environment.restate, id));
  }
  officialBytes = journals.get('official')?.bytes;
  for (const config of configs) {
    const wallMs = summarize(times.get(config.id) ?? []);
    const floorMs =
      config.floor === undefined ? 0 : median(times.get(`floor:${config.floor}`) ?? []);
    const overhead = wallMs.median - floorMs;
    const journal = journals.get(config.id) as { bytes: number; entries: number; largest: number };
    cases.push({
      size,
      k,
      steps,
      config: config.id,
      label: config.label,
      wallMs,
      floorMs: round(floorMs),
      overheadPerStepMs: round(overhead / steps, 3),
      overheadVsRaw: ratio(overhead, rawMs),
      wallVsOfficial: Number.isNaN(officialMs) ? undefined : ratio(wallMs.median, officialMs),
      journalBytes: journal.bytes,
      journalEntries: journal.entries,
      largestEntryBytes: journal.largest,
      bytesVsOfficial:
        officialBytes === undefined ? undefined : ratio(journal.bytes, officialBytes),
    });
  }
  return { floors, cases };
}

interface TraceEvent {
  ev: string;
  tag: string;
  pid: number;
  ts: number;
  turn?: number;
}

async function measureReplay(
  environment: Environment,
  config: BenchConfig,
  size: ConversationSize,
  k: number,
): Promise<ReplayRun> {
  const { restate, service, model, traceFile } = environment;
  const tag = `replay-${config.id}-${nextTag()}`;
  const conversation = conversationName(size, k, tag);
  await service.armCrash(LAST_TOOL_CRASH_POINT, 1);
  const crashed = service.crashed();
  const { invocationId } = await restate.send({ service: serviceName(config.id), handler: 'run' }, {
    conversation,
    trace: tag,
    crash: true,
  } satisfies BenchInput);
  await crashed;
  const killedAt = performance.now();
  await service.restart();
  const restartMs = performance.now() - killedAt;
  await restate.attach(invocationId, { timeoutMs: 120_000 });
  const killToResponseMs = performance.now() - killedAt;

  const events = readFileSync(traceFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TraceEvent)
    .filter((event) => event.tag === tag);
  const pids = [...new Set(events.map((event) => event.pid))];
  if (pids.length !== 2)
    throw new Error(`replay ${tag}: expected two processes, saw ${pids.length}`);
  const [first, second] = pids.map((pid) => events.filter((event) => event.pid === pid)) as [
    TraceEvent[],
    TraceEvent[],
  ];
  const at = (list: TraceEvent[], ev: string, turn?: number): number => {
    const event = list.find((item) => item.ev === ev && (turn === undefined || item.turn === turn));
    if (event === undefined) throw new Error(`replay ${tag}: no ${ev} event`);
    return event.ts;
  };
  const requests = model.requestsFor(conversation);
  const distinctTurns = new Set(requests.map((request) => request.turnIndex)).size;
  const liveToolsAfterRestart = second
    .filter((event) => event.ev === 'tool-live')
    .map((event) => event.turn);
  if (liveToolsAfterRestart.join() !== String(k - 1)) {
    throw new Error(
      `replay ${tag}: tools re-run after the restart: ${liveToolsAfterRestart.join()}`,
    );
  }
  model.reset();
  return {
    tag,
    originalMs: round(at(first, 'tool-live', k - 1) - at(first, 'attempt-start')),
    replayMs: round(at(second, 'tool-live', k - 1) - at(second, 'attempt-start')),
    restartMs: round(restartMs),
    killToResponseMs: round(killToResponseMs),
    modelRequests: requests.length,
    modelRequestsRepeated: requests.length - distinctTurns,
  };
}

function growthOf(cases: CaseResult[], ks: number[]): GrowthResult[] {
  const growth: GrowthResult[] = [];
  const sorted = [...ks].sort((a, b) => a - b);
  for (const item of cases) {
    const index = sorted.indexOf(item.k);
    if (index <= 0) continue;
    const from = sorted[index - 1] as number;
    const previous = cases.find(
      (other) => other.config === item.config && other.size === item.size && other.k === from,
    );
    if (previous === undefined) continue;
    const linear = stepCount(item.k) / stepCount(from);
    const wall = item.wallMs.median / previous.wallMs.median;
    const bytes = item.journalBytes / previous.journalBytes;
    growth.push({
      size: item.size,
      config: item.config,
      from,
      to: item.k,
      linear: round(linear, 3),
      wall: round(wall, 3),
      bytes: round(bytes, 3),
      bytesVsLinear: round(bytes / linear, 3),
      wallVsLinear: round(wall / linear, 3),
    });
  }
  return growth;
}

/** Bytes that grow more than 25 % faster than the step count are not linear. */
const LINEAR_SLACK = 1.25;

function evaluateTargets(results: Omit<BenchResults, 'targets'>): TargetResult[] {
  const targets: TargetResult[] = [];
  const adapters = results.configs.filter(
    (config) => !['raw', 'official'].includes(config.id) && !config.id.startsWith('hand-'),
  );
  for (const config of adapters) {
    const hand = HAND_WIRED[config.id];
    for (const item of results.cases.filter((entry) => entry.config === config.id)) {
      const floor = results.cases.find(
        (entry) => entry.config === hand && entry.size === item.size && entry.k === item.k,
      );
      if (floor === undefined) continue;
      const value = ratio(item.wallMs.median, floor.wallMs.median);
      targets.push({
        target: `wall time vs the hand-wired ctx.run loop (${item.size}, K=${item.k})`,
        config: config.id,
        value,
        limit: '≤ 1.10',
        met: value <= 1.1,
      });
    }
    for (const item of results.cases.filter((entry) => entry.config === config.id)) {
      targets.push({
        target: `overhead per step vs raw Restate floor (${item.size}, K=${item.k})`,
        config: config.id,
        value: item.overheadVsRaw,
        limit: '≤ 1.15',
        met: item.overheadVsRaw <= 1.15,
      });
    }
    for (const item of results.cases.filter(
      (entry) => entry.config === config.id && entry.k === 50,
    )) {
      if (item.wallVsOfficial !== undefined && config.id === 'ai-sdk') {
        targets.push({
          target: `wall time vs official middleware (${item.size}, K=50)`,
          config: config.id,
          value: item.wallVsOfficial,
          limit: '≤ 0.9',
          met: item.wallVsOfficial <= 0.9,
        });
      }
      if (item.bytesVsOfficial !== undefined && config.id === 'ai-sdk') {
        targets.push({
          target: `journal bytes vs official middleware (${item.size}, K=50)`,
          config: config.id,
          value: item.bytesVsOfficial,
          limit: '≤ 0.25',
          met: item.bytesVsOfficial <= 0.25,
        });
      }
    }
    for (const item of results.growth.filter((entry) => entry.config === config.id)) {
      targets.push({
        target: `linear journal growth (${item.size}, K=${item.from}→${item.to})`,
        config: config.id,
        value: item.bytesVsLinear,
        limit: `bytes growth / step growth ≤ ${LINEAR_SLACK}`,
        met: item.bytesVsLinear <= LINEAR_SLACK,
      });
    }
    for (const item of results.replay.filter((entry) => entry.config === config.id)) {
      targets.push({
        target: `replay after SIGKILL vs original run (${item.size}, K=${item.k})`,
        config: config.id,
        value: item.replayVsOriginal,
        limit: '≤ 0.10',
        met: item.replayVsOriginal <= 0.1,
      });
      targets.push({
        target: `model requests repeated after SIGKILL (${item.size}, K=${item.k})`,
        config: config.id,
        value: item.modelRequestsRepeated,
        limit: '= 0',
        met: item.modelRequestsRepeated === 0,
      });
    }
  }
  return targets;
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const log = options.log ?? (() => undefined);
  const available = availableConfigs();
  const configs = available.filter(
    (config) => options.configs === undefined || options.configs.includes(config.id),
  );
  const skipped = [
    ...new Set((options.configs ?? []).filter((id) => !configs.some((config) => config.id === id))),
  ];
  if (!configs.some((config) => config.id === 'raw')) {
    throw new Error(
      'the raw Restate floor must be part of every run: every ratio is measured against it',
    );
  }
  const environment = await startEnvironment(configs);
  try {
    const floors: FloorResult[] = [];
    const cases: CaseResult[] = [];
    for (const size of options.sizes) {
      for (const k of options.ks) {
        const started = performance.now();
        const measured = await measureCase(environment, configs, size, k, options);
        floors.push(...measured.floors);
        cases.push(...measured.cases);
        log(`${size} K=${k}: ${Math.round(performance.now() - started)} ms`);
      }
    }
    const replay: ReplayResult[] = [];
    // The hand-wired loops are a wall-time floor, not an integration: their replay is not a target.
    for (const config of configs.filter((item) => !item.id.startsWith('hand-'))) {
      for (const k of options.replayKs) {
        const runs: ReplayRun[] = [];
        for (let rep = 0; rep < options.replayReps; rep++) {
          runs.push(await measureReplay(environment, config, 'short', k));
        }
        const originalMs = round(median(runs.map((run) => run.originalMs)));
        const replayMs = round(median(runs.map((run) => run.replayMs)));
        replay.push({
          config: config.id,
          size: 'short',
          k,
          originalMs,
          replayMs,
          replayVsOriginal: ratio(replayMs, originalMs),
          killToResponseMs: round(median(runs.map((run) => run.killToResponseMs))),
          modelRequestsRepeated: runs.reduce((sum, run) => sum + run.modelRequestsRepeated, 0),
          runs,
        });
        log(`replay ${config.id} K=${k}: done`);
      }
    }
    const { log: _log, ...recorded } = options;
    const partial = {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: (await import('node:os')).cpus().length,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
      options: recorded,
      configs: configs.map((config) => ({
        id: config.id,
        label: config.label,
        floor: config.floor,
      })),
      skipped,
      floors,
      cases,
      growth: growthOf(cases, options.ks),
      replay,
    };
    return { ...partial, targets: evaluateTargets(partial) };
  } finally {
    await stopEnvironment(environment);
  }
}
