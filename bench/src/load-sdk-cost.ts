/**
 * The Restate SDK's own CPU cost in the service process, per invocation and per journaled step: handlers
 * that do nothing but M steps (load-sdk-cost-service.ts), N invocations at once through a real
 * restate-server, for M = 0, 1, 5, 20. A least-squares line through (M, service CPU per invocation) gives
 * the fixed cost of an invocation (intercept) and the cost of one `ctx.run` (slope), for bare `ctx.run`,
 * for core's `durableStep`, and for the same async calls with no Restate (over plain HTTP/1.1). Run once
 * with the SDK's default logging (INFO: two log lines per invocation) and once with RESTATE_LOGGING=WARN.
 *
 * This is the floor under every adapter's durability cost in `pnpm bench:load`: an agent of K+1 model
 * calls and K tool calls pays the invocation's fixed cost once and the per-step cost 2K+1 times.
 *
 *   node src/load-sdk-cost.ts [--n 200] [--reps 5] [--ms 0,1,5,20] [--logging WARN,INFO] [--name sdk-cost]
 *   --profile DIR: afterwards, one more burst per variant at the smallest and largest M under the sampling
 *   profiler (not counted), written to DIR/<logging>-<variant>-m<M>.cpuprofile (summary: load-profile.ts)
 *
 * Writes results/load-<name>.json and .md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startRestate, startServiceProcess } from '@restate-agents/testing';
import { findServerPid, processCpuMs } from './load-run.ts';
import { median, round } from './stats.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    reps: { type: 'string', default: '5' },
    ms: { type: 'string', default: '0,1,5,20' },
    logging: { type: 'string', default: 'WARN,INFO' },
    name: { type: 'string', default: 'sdk-cost' },
    profile: { type: 'string' },
    out: { type: 'string' },
  },
});

const n = Number(values.n);
const reps = Number(values.reps);
const ms = values.ms.split(',').map(Number);
const levels = values.logging.split(',').filter(Boolean);
const VARIANTS = ['plain', 'run', 'step'] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  plain: 'no Restate (plain HTTP/1.1 handler)',
  run: 'bare ctx.run (default serde)',
  step: 'core durableStep (journal serde, retry cap)',
};

interface Point {
  logging: string;
  variant: Variant;
  m: number;
  /** Service CPU per invocation, µs, median over the repetitions. */
  serviceUs: number;
  /** restate-server CPU per invocation, µs (10 ms ticks: coarse). */
  serverUs: number;
  runs: number[];
}

interface Fit {
  logging: string;
  variant: Variant;
  /** µs per invocation at M = 0 (intercept). */
  perInvocationUs: number;
  /** µs per step (slope). */
  perStepUs: number;
  /** restate-server µs per step (slope). */
  serverPerStepUs: number;
}

function fit(points: Point[], key: 'serviceUs' | 'serverUs'): { a: number; b: number } {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const mx = mean(points.map((p) => p.m));
  const my = mean(points.map((p) => p[key]));
  const sxy = points.reduce((s, p) => s + (p.m - mx) * (p[key] - my), 0);
  const sxx = points.reduce((s, p) => s + (p.m - mx) ** 2, 0);
  const b = sxx === 0 ? 0 : sxy / sxx;
  return { a: my - b * mx, b };
}

const log = (line: string) => console.error(`[sdk-cost] ${line}`);
const points: Point[] = [];
const load: number[][] = [];
const restateEnv = await startRestate();
try {
  const serverPid = findServerPid(restateEnv.baseDir);
  for (const logging of levels) {
    const controlPort = await freePort();
    const service = await startServiceProcess({
      entry: fileURLToPath(new URL('./load-sdk-cost-service.ts', import.meta.url)),
      env: { LOAD_CONTROL_PORT: String(controlPort), RESTATE_LOGGING: logging },
      readyTimeoutMs: 120_000,
    });
    try {
      await restateEnv.register({ url: service.url });
      const control = `http://127.0.0.1:${controlPort}`;
      const cpu = async () =>
        ((await (await fetch(`${control}/stats`)).json()) as { cpuMs: number }).cpuMs;
      const invoke = async (variant: Variant, m: number) => {
        const url =
          variant === 'plain' ? `${control}/plain` : `${restateEnv.ingressUrl}/Cost_${variant}/run`;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ m }),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
      };
      const burst = (variant: Variant, m: number) =>
        Promise.all(Array.from({ length: n }, () => invoke(variant, m)));
      // Warm-up: JIT, the ingress's and the server's connections, at the measured N.
      for (const variant of VARIANTS) await burst(variant, 5);
      for (const m of ms) {
        const runs: Record<Variant, { service: number[]; server: number[] }> = {
          plain: { service: [], server: [] },
          run: { service: [], server: [] },
          step: { service: [], server: [] },
        };
        for (let rep = 0; rep < reps; rep++) {
          // Rotated, so no variant always meets the same moment of a shared machine.
          for (let index = 0; index < VARIANTS.length; index++) {
            const variant = VARIANTS[(index + rep) % VARIANTS.length] as Variant;
            const before = await cpu();
            const serverBefore = processCpuMs(serverPid);
            await burst(variant, m);
            const serverAfter = processCpuMs(serverPid);
            runs[variant].service.push(((await cpu()) - before) * (1000 / n));
            runs[variant].server.push((serverAfter - serverBefore) * (1000 / n));
          }
        }
        for (const variant of VARIANTS) {
          const point: Point = {
            logging,
            variant,
            m,
            serviceUs: round(median(runs[variant].service), 1),
            serverUs: round(median(runs[variant].server), 1),
            runs: runs[variant].service.map((value) => round(value, 1)),
          };
          points.push(point);
          log(
            `${logging} ${variant} M=${m}: service ${point.serviceUs} µs/invocation ` +
              `[${point.runs.join(', ')}], server ${point.serverUs} µs`,
          );
        }
        load.push(loadavg());
      }
      if (values.profile !== undefined) {
        mkdirSync(values.profile, { recursive: true });
        for (const m of [Math.min(...ms), Math.max(...ms)]) {
          for (const variant of VARIANTS) {
            const file = join(values.profile, `${logging}-${variant}-m${m}.cpuprofile`);
            await fetch(`${control}/profile/start`);
            await burst(variant, m);
            await fetch(`${control}/profile/stop?file=${encodeURIComponent(file)}`);
            log(`profile ${file}`);
          }
        }
      }
    } finally {
      await service.stop();
    }
  }
} finally {
  await restateEnv.stop();
}

const fits: Fit[] = levels.flatMap((logging) =>
  VARIANTS.map((variant) => {
    const mine = points.filter((p) => p.logging === logging && p.variant === variant);
    const service = fit(mine, 'serviceUs');
    const server = fit(mine, 'serverUs');
    return {
      logging,
      variant,
      perInvocationUs: round(service.a, 0),
      perStepUs: round(service.b, 1),
      serverPerStepUs: round(server.b, 0),
    };
  }),
);

const loadAverage = load.map((item) => item[0] as number);
const results = {
  generatedAt: new Date().toISOString(),
  machine: { node: process.version, platform: `${process.platform}-${process.arch}` },
  options: { n, reps, ms, levels },
  /** 1-minute load average after each M (the machine is shared). */
  loadAverage: loadAverage.map((value) => round(value, 2)),
  points,
  fits,
};

const rows = fits.map(
  (item) =>
    `| ${item.logging} | ${LABELS[item.variant]} | ${item.perInvocationUs} | ${item.perStepUs} | ${
      item.variant === 'plain' ? '–' : item.serverPerStepUs
    } |`,
);
const markdown = `Generated ${results.generatedAt}, Node ${process.version}; N = ${n} invocations at once, ${reps} repetitions (median), M = ${ms.join(', ')} steps of ~1 KB each; 1-minute load average during the run ${Math.min(...loadAverage).toFixed(1)}–${Math.max(...loadAverage).toFixed(1)} on 2 cores. Service CPU per invocation = a + b·M (least squares over the M values).

| SDK logging | handler | service µs per invocation (a) | service µs per step (b) | restate-server µs per step |
|---|---|---|---|---|
${rows.join('\n')}
`;
const outDir = values.out ?? fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `load-${values.name}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, `load-${values.name}.md`), markdown);
console.log(markdown);
