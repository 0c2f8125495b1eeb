/**
 * Summarises `.cpuprofile` files written by `pnpm bench:load --profile DIR`: self time per package (or
 * node internal) and the hottest functions, so durability's cost can be compared with the no-Restate run.
 *
 *   node src/load-profile.ts DIR/ai-sdk-durable-n1000.cpuprofile [DIR/ai-sdk-floor-n1000.cpuprofile] [--top 25]
 *
 * Each sample counts for the time since the previous one, capped at twice the median interval: on a busy
 * machine the process is often descheduled between two samples, and the uncapped interval (up to hundreds
 * of ms) would charge that wait to whichever function happened to be running, so a small function could look
 * hot. Capped, a sample is worth about the CPU time it stands for.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to: `pkg` of the last node_modules segment, a workspace package, or node. */
export function packageOf(url: string): string {
  if (url === '') return '(native/gc/idle)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const workspace = /\/(packages|bench|examples)\/([^/]+)\//.exec(url);
  return workspace ? `${workspace[1]}/${workspace[2]}` : url;
}

export function summariseProfile(profile: Profile): {
  totalMs: number;
  byPackage: Array<[string, number]>;
  byFunction: Array<[string, number]>;
} {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const deltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const cap = 2 * (deltas[Math.floor(deltas.length / 2)] ?? 0);
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    const delta = Math.min(profile.timeDeltas[index] ?? 0, cap);
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta / 1000);
  });
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const node = nodes.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    totalMs += ms;
    const pkg = packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    const key = `${functionName || '(anonymous)'} ${pkg}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { totalMs, byPackage: sorted(byPackage), byFunction: sorted(byFunction) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile);
    console.log(`\n## ${file}: ${summary.totalMs.toFixed(0)} ms busy\n`);
    for (const [pkg, ms] of summary.byPackage.slice(0, top)) {
      console.log(`${ms.toFixed(0).padStart(7)} ms  ${pkg}`);
    }
    console.log('');
    for (const [fn, ms] of summary.byFunction.slice(0, top)) {
      console.log(`${ms.toFixed(0).padStart(7)} ms  ${fn}`);
    }
  }
}
