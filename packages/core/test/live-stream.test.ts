/**
 * The stream log (`agentStreamObject`) and the live emitter (`liveStream`) on a real restate-server: an agent
 * streams preview chunks from inside a step over plain HTTP, a reader long-polls the log from an offset.
 */
import { type RestateEnvironment, startRestate } from '@restate-agents/testing';
import * as restate from '@restatedev/restate-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  agentStreamObject,
  type LiveReceipt,
  liveStream,
  type StreamChunk,
  type StreamClient,
  streamClient,
} from '../src/index.js';

interface Input {
  pieces: string[];
  delayMs: number;
  /** The first attempt fails after this many pieces; with `zombie`, it keeps pushing after it failed. */
  failAfter?: number;
  zombie?: boolean;
  /** Send to an ingress nobody listens on: the sink fails. */
  deadSink?: boolean;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let ingressUrl = '';
const attemptsSeen = new Map<string, number>();

const agent = restate.object({
  name: 'LiveCoreAgent',
  handlers: {
    async run(ctx: restate.ObjectContext, input: Input): Promise<string> {
      const live = liveStream(ctx, {
        streamId: ctx.key,
        ingressUrl: input.deadSink ? 'http://127.0.0.1:9' : ingressUrl,
        requestTimeoutMs: 500,
      });
      live.event({ type: 'start', messageId: `m-${ctx.key}` });
      const segment = live.segment();
      const answer = await ctx.run(
        'model',
        async () => {
          const attempt = segment.attempt();
          const n = (attemptsSeen.get(ctx.key) ?? 0) + 1;
          attemptsSeen.set(ctx.key, n);
          const label = n === 1 ? 'A' : 'B';
          attempt.push({ type: 'text-start', id: 't' });
          for (const [i, piece] of input.pieces.entries()) {
            if (n === 1 && input.failAfter === i) {
              if (input.zombie) {
                // The failed attempt's closure goes on in the background, like a process that woke late.
                void (async () => {
                  await pause(1_000);
                  for (const late of ['ZOMBIE ', 'ZOMBIE '])
                    attempt.push({ type: 'text-delta', id: 't', delta: late });
                })();
              }
              throw new Error('model stream broke');
            }
            attempt.push({
              type: 'text-delta',
              id: 't',
              delta: `${label}${piece}`,
              at: Date.now(),
            });
            await pause(input.delayMs);
          }
          attempt.push({ type: 'text-end', id: 't' });
          const receipt: LiveReceipt = await attempt.end();
          return { text: input.pieces.map((piece) => `${label}${piece}`).join(''), live: receipt };
        },
        { maxRetryAttempts: 3, initialRetryInterval: { milliseconds: 400 } },
      );
      segment.commit(answer.live);
      live.event({ type: 'start-step' }, { covers: segment.seg });
      live.event({ type: 'text-start', id: 't' }, { covers: segment.seg });
      live.event({ type: 'text-delta', id: 't', delta: answer.text }, { covers: segment.seg });
      live.event({ type: 'text-end', id: 't' }, { covers: segment.seg });
      live.event({ type: 'finish-step' });
      live.event({ type: 'finish' });
      const delivered = await live.end();
      return input.deadSink ? JSON.stringify({ receipt: answer.live, delivered }) : answer.text;
    },
  },
});

let env: RestateEnvironment;
let log: StreamClient;

beforeAll(async () => {
  env = await startRestate();
  ingressUrl = env.ingressUrl;
  await env.register({ services: [agentStreamObject(), agent] });
  log = streamClient({ ingressUrl });
});

afterAll(async () => {
  await env?.stop();
});

async function start(key: string, input: Input) {
  const { invocationId } = await env.send({ service: 'LiveCoreAgent', handler: 'run', key }, input);
  return invocationId;
}

async function readTurn(key: string, turn: string) {
  const frames: { offset: number; chunk: StreamChunk; at: number }[] = [];
  for await (const frame of log.frames(key, { turn })) frames.push({ ...frame, at: Date.now() });
  return frames;
}

/** The text a client ends with: what follows the last reset-step, as useChat applies it. */
function visibleText(chunks: StreamChunk[]): string {
  let text = '';
  for (const chunk of chunks) {
    if (chunk.type === 'reset-step') text = '';
    if (chunk.type === 'text-delta') text += chunk.delta as string;
  }
  return text;
}

const pieces = Array.from({ length: 12 }, (_, i) => `${i} `);

it('live: chunks reach a long-polling reader while the step runs; the sealed preview is not repeated', async () => {
  const turn = await start('live-latency', { pieces, delayMs: 40 });
  const frames = await readTurn('live-latency', turn);
  const output = await env.attach<string>(turn);
  const chunks = frames.map((frame) => frame.chunk);
  expect(visibleText(chunks)).toBe(output);
  expect(chunks.filter((chunk) => chunk.type === 'reset-step')).toHaveLength(0);
  expect(frames.map((frame) => frame.offset)).toEqual(
    frames.map((_, i) => (frames[0]?.offset ?? 0) + i),
  );
  // Send→reader latency of each preview chunk (its `at` is when the step pushed it).
  const latencies = frames
    .filter((frame) => typeof frame.chunk.at === 'number')
    .map((frame) => frame.at - (frame.chunk.at as number))
    .sort((a, b) => a - b);
  expect(latencies).toHaveLength(pieces.length);
  const median = latencies[Math.floor(latencies.length / 2)] ?? 0;
  console.log(`live: send→reader latency median ${median} ms, max ${latencies.at(-1)} ms`);
  // The first chunk arrived long before the step ended (12 × 40 ms).
  expect((frames.find((f) => f.chunk.at)?.at ?? 0) - (frames.at(-1)?.at ?? 0)).toBeLessThan(-300);
  // Tens of ms on an idle machine; the bound only catches a reader stuck in a long poll (on a machine with many
  // busy processes, invocations of the log queue up and the median grows to hundreds of ms).
  expect(median).toBeLessThan(3_000);
});

it('live: a retried attempt resets the failed one once; the final text is the journaled answer', async () => {
  const turn = await start('live-retry', { pieces, delayMs: 10, failAfter: 5 });
  const frames = await readTurn('live-retry', turn);
  const output = await env.attach<string>(turn);
  const chunks = frames.map((frame) => frame.chunk);
  expect(output.startsWith('B0')).toBe(true);
  expect(chunks.filter((chunk) => chunk.type === 'reset-step')).toHaveLength(1);
  expect(visibleText(chunks)).toBe(output);
});

it("live: a zombie attempt's late chunks never reach the reader", async () => {
  const turn = await start('live-zombie', { pieces, delayMs: 60, failAfter: 3, zombie: true });
  const frames = await readTurn('live-zombie', turn);
  const output = await env.attach<string>(turn);
  const chunks = frames.map((frame) => frame.chunk);
  expect(JSON.stringify(chunks)).not.toContain('ZOMBIE');
  expect(visibleText(chunks)).toBe(output);
});

it('live: a reader that reconnects at an offset mid-stream gets no gap and no duplicate', async () => {
  const turn = await start('live-resume', { pieces, delayMs: 40 });
  const first: { offset: number; chunk: StreamChunk }[] = [];
  const abort = new AbortController();
  try {
    for await (const frame of log.frames('live-resume', { turn }, { signal: abort.signal })) {
      first.push(frame);
      if (first.length === 5) abort.abort();
    }
  } catch (error) {
    expect((error as Error).name).toBe('AbortError');
  }
  const resumed: { offset: number; chunk: StreamChunk }[] = [];
  for await (const frame of log.frames('live-resume', {
    from: (first.at(-1)?.offset ?? 0) + 1,
    turn,
  })) {
    resumed.push(frame);
  }
  const whole = await readTurn('live-resume', turn);
  expect([...first, ...resumed].map((f) => f.offset)).toEqual(whole.map((f) => f.offset));
  expect([...first, ...resumed].map((f) => f.chunk)).toEqual(whole.map((f) => f.chunk));
  expect(visibleText(whole.map((f) => f.chunk))).toBe(await env.attach<string>(turn));
});

it('live: a failing sink never fails the step: the receipt says complete: false', async () => {
  const turn = await start('live-dead-sink', {
    pieces: pieces.slice(0, 3),
    delayMs: 5,
    deadSink: true,
  });
  const output = JSON.parse(await env.attach<string>(turn)) as {
    receipt: LiveReceipt;
    delivered: boolean;
  };
  expect(output.receipt).toMatchObject({ complete: false });
  expect(output.delivered).toBe(false);
});
