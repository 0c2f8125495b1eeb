/**
 * Time to first token, side by side in one run: the same scripted model, the same per-chunk delay, read
 * (1) straight from the model's own stream (`streamText` on `@ai-sdk/openai`, no Restate) and (2) through a
 * durable agent with `live` on: the chat handler starts the turn on restate-server, the model step sends its
 * tokens to the stream log, and the handler's SSE answer carries them to the client.
 *
 * Both paths are timed by the client: request sent → first text delta (TTFT), and the streaming rate
 * between the first and the last delta in model pieces per second (the scripted model sends the answer in
 * 16 pieces, whatever batching the log does on the way). Runs alternate between the two paths after a
 * warm-up; medians and p90s are reported. `node src/ttft.ts [--reps N]`; `pnpm bench` runs it too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createOpenAI } from '@ai-sdk/openai';
import { type MockModelServer, startMockModel, startRestate } from '@restate-agents/testing';
import { streamText } from 'ai';
import type { TargetResult } from './run-bench.ts';
import { median, ratio, round } from './stats.ts';
import { startTtftAgent, TTFT_MODEL } from './ttft-service.ts';

/** The answer both paths stream: ~300 characters, 16 pieces. */
export const TTFT_ANSWER =
  'A durable agent streams its answer live: each token leaves the model step through the stream log ' +
  'while the step runs, and the journal keeps only a small receipt per step. This sentence is long ' +
  'enough to be sent in sixteen pieces, so the streaming rate can be compared as well as the first token.';
const PIECES = 16;
const TTFT_TARGET = 1.25;

/**
 * The scripted model's timing in `pnpm bench`: its first event after 300 ms (what hosted models take to their
 * first token), then a piece every 20 ms. Against a model with no latency at all the ratio means nothing; the
 * added milliseconds are reported beside it.
 */
export const TTFT_MODEL_TIMING: { firstTokenMs: number; chunkDelayMs: number } = {
  firstTokenMs: 300,
  chunkDelayMs: 20,
};

export interface TtftOptions {
  reps: number;
  warmup: number;
  /** How long the model takes to its first event (a hosted model's usual 0.3–0.6 s). */
  firstTokenMs: number;
  /** Pause between two streamed pieces. */
  chunkDelayMs: number;
  log?: (line: string) => void;
}

export interface PathResult {
  ttftMs: { median: number; p90: number };
  piecesPerSecond: { median: number; p90: number };
  runs: number;
}

export interface TtftResults {
  date: string;
  machine: string;
  options: Omit<TtftOptions, 'log'>;
  direct: PathResult;
  live: PathResult;
  /** live ÷ direct, medians. */
  ttftRatio: number;
  ttftAddedMs: number;
  rateRatio: number;
  target: TargetResult;
}

interface Run {
  ttftMs: number;
  piecesPerSecond: number;
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * q + 0.5))] ?? Number.NaN
  );
};

function summarizeRuns(runs: Run[]): PathResult {
  const ttft = runs.map((run) => run.ttftMs);
  const rate = runs.map((run) => run.piecesPerSecond);
  return {
    ttftMs: { median: round(median(ttft), 1), p90: round(quantile(ttft, 0.9), 1) },
    piecesPerSecond: { median: round(median(rate), 1), p90: round(quantile(rate, 0.9), 1) },
    runs: runs.length,
  };
}

/** Times the text deltas of one answer: `t0` is when the request went out. */
function timing(t0: number, deltas: Array<{ at: number; text: string }>, expected: string): Run {
  const text = deltas.map((delta) => delta.text).join('');
  if (text !== expected) {
    throw new Error(`answer differs from the scripted one: ${JSON.stringify(text.slice(0, 80))}…`);
  }
  const first = deltas[0]?.at ?? Number.NaN;
  const last = deltas.at(-1)?.at ?? Number.NaN;
  return { ttftMs: first - t0, piecesPerSecond: ((PIECES - 1) * 1000) / Math.max(1, last - first) };
}

async function directRun(model: MockModelServer): Promise<Run> {
  const openai = createOpenAI({ baseURL: model.openaiBaseUrl, apiKey: 'scripted' });
  const t0 = performance.now();
  const result = streamText({ model: openai.chat(TTFT_MODEL), prompt: 'Tell me about streaming.' });
  const deltas: Array<{ at: number; text: string }> = [];
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') deltas.push({ at: performance.now(), text: part.text });
    if (part.type === 'error') throw part.error;
  }
  return timing(t0, deltas, TTFT_ANSWER);
}

/** Reads an SSE answer of UI-message-stream chunks, timing each text delta. */
async function readUiStream(
  response: Response,
): Promise<Array<{ at: number; text: string; reset?: boolean }>> {
  if (!response.ok || !response.body) {
    throw new Error(`chat handler answered ${response.status}: ${await response.text()}`);
  }
  const deltas: Array<{ at: number; text: string; reset?: boolean }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    const now = performance.now();
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return deltas;
        const chunk = JSON.parse(data) as { type: string; delta?: string };
        if (chunk.type === 'text-delta') deltas.push({ at: now, text: chunk.delta ?? '' });
        if (chunk.type === 'reset-step') deltas.push({ at: now, text: '', reset: true });
        if (chunk.type === 'error') throw new Error(`stream error: ${data}`);
      }
    }
  }
  return deltas;
}

export async function runTtftBench(options: TtftOptions): Promise<TtftResults> {
  const log = options.log ?? (() => undefined);
  const restate = await startRestate();
  const model = await startMockModel({
    defaultScript: () => ({
      text: TTFT_ANSWER,
      delayMs: options.firstTokenMs,
      chunkDelayMs: options.chunkDelayMs,
    }),
  });
  try {
    const agent = await startTtftAgent(restate, model);
    const liveRun = async (index: number): Promise<Run> => {
      const t0 = performance.now();
      const response = await agent.send(`ttft-${process.pid}-${index}`, 'Tell me about streaming.');
      const deltas = await readUiStream(response);
      if (deltas.some((delta) => delta.reset))
        throw new Error('a reset-step in a run without faults');
      return timing(t0, deltas, TTFT_ANSWER);
    };
    const direct: Run[] = [];
    const live: Run[] = [];
    for (let i = 0; i < options.warmup + options.reps; i++) {
      // Alternate which path goes first, so neither always runs on a warmer process.
      let d: Run | undefined;
      let l: Run | undefined;
      for (const path of i % 2 === 0 ? ['direct', 'live'] : ['live', 'direct']) {
        if (path === 'direct') d = await directRun(model);
        else l = await liveRun(i);
      }
      if (i < options.warmup || !d || !l) continue;
      direct.push(d);
      live.push(l);
      log(
        `run ${i - options.warmup + 1}/${options.reps}: TTFT direct ${round(d.ttftMs, 1)} ms, live ${round(l.ttftMs, 1)} ms`,
      );
    }
    const d = summarizeRuns(direct);
    const l = summarizeRuns(live);
    const ttftRatio = ratio(l.ttftMs.median, d.ttftMs.median);
    return {
      date: new Date().toISOString(),
      machine: `${process.platform} ${process.arch}, Node ${process.versions.node}`,
      options: {
        reps: options.reps,
        warmup: options.warmup,
        firstTokenMs: options.firstTokenMs,
        chunkDelayMs: options.chunkDelayMs,
      },
      direct: d,
      live: l,
      ttftRatio,
      ttftAddedMs: round(l.ttftMs.median - d.ttftMs.median, 1),
      rateRatio: ratio(l.piecesPerSecond.median, d.piecesPerSecond.median),
      target: {
        target: "time to first token ÷ the model's own stream",
        config: 'ai-sdk live',
        value: ttftRatio,
        limit: `≤ ${TTFT_TARGET}`,
        met: ttftRatio <= TTFT_TARGET,
      },
    };
  } finally {
    await model.close();
    await restate.stop();
  }
}

export function renderTtftMarkdown(results: TtftResults): string {
  const { direct, live, options } = results;
  return [
    `Scripted model: first event after ${options.firstTokenMs} ms, then ${PIECES} pieces ${options.chunkDelayMs} ms apart; ${options.reps} runs per path (after ${options.warmup} warm-up), alternating.`,
    '',
    '| path | TTFT median | TTFT p90 | pieces/s median | pieces/s p90 |',
    '|---|---:|---:|---:|---:|',
    `| the model's own stream (\`streamText\`, no Restate) | ${direct.ttftMs.median} ms | ${direct.ttftMs.p90} ms | ${direct.piecesPerSecond.median} | ${direct.piecesPerSecond.p90} |`,
    `| live through the stream log (chat handler SSE) | ${live.ttftMs.median} ms | ${live.ttftMs.p90} ms | ${live.piecesPerSecond.median} | ${live.piecesPerSecond.p90} |`,
    '',
    `TTFT ratio live ÷ direct: **${results.ttftRatio}×** (+${results.ttftAddedMs} ms; target ${results.target.limit}×: ${results.target.met ? 'met' : 'missed'}); streaming rate ratio: ${results.rateRatio}×.`,
    '',
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '2' },
      'first-token-ms': { type: 'string', default: String(TTFT_MODEL_TIMING.firstTokenMs) },
      'chunk-delay-ms': { type: 'string', default: String(TTFT_MODEL_TIMING.chunkDelayMs) },
      out: { type: 'string' },
    },
  });
  const results = await runTtftBench({
    reps: Number(values.reps),
    warmup: Number(values.warmup),
    firstTokenMs: Number(values['first-token-ms']),
    chunkDelayMs: Number(values['chunk-delay-ms']),
    log: (line) => console.error(`[ttft] ${line}`),
  });
  writeTtftResults(results, values.out);
  console.log(renderTtftMarkdown(results));
}

/** Writes results/ttft-latest.json (and .md). */
export function writeTtftResults(results: TtftResults, outDir?: string): string {
  const dir = outDir ?? fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ttft-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'ttft-latest.md'), renderTtftMarkdown(results));
  return dir;
}
