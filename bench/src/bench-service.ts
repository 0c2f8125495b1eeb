/**
 * The service process of `pnpm bench`: one Restate service per durable configuration, and a plain HTTP
 * server running the same loops with no Restate (the floor). Both live in this one process, so the floor
 * pays the same process, JIT and client round trip as the durable runs, and the difference is durability.
 *
 * Env: PORT (Restate endpoint), BENCH_FLOOR_PORT, BENCH_MODEL_URL (OpenAI base URL of the scripted
 * model), BENCH_ADAPTERS (comma list of built adapters to load), BENCH_TRACE_FILE (replay timings).
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { durableStep } from '@restate-agents/core';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { durableCalls } from '@restatedev/vercel-ai-middleware';
import { wrapLanguageModel } from 'ai';
import { type BenchInput, LAST_TOOL_CRASH_POINT, serviceName } from './configs.ts';
import { loadAgent } from './load-agents.ts';
import { openaiProvider, runAiSdkLoop } from './loops/ai-sdk-loop.ts';
import { handWiredAiSdkModel } from './loops/hand-wired.ts';
import { openaiClient, runOpenAiLoop } from './loops/openai-loop.ts';
import { type ConversationSize, minimalAnswer, parseConversation, toolResult } from './workload.ts';

const modelUrl = process.env.BENCH_MODEL_URL ?? '';
const traceFile = process.env.BENCH_TRACE_FILE;
const adapters = new Set((process.env.BENCH_ADAPTERS ?? '').split(',').filter(Boolean));
const provider = openaiProvider(modelUrl);
const client = openaiClient(modelUrl);

function trace(input: BenchInput, event: Record<string, unknown>): void {
  if (input.trace === undefined || traceFile === undefined) return;
  appendFileSync(
    traceFile,
    `${JSON.stringify({ ...event, tag: input.trace, pid: process.pid, ts: performance.timeOrigin + performance.now() })}\n`,
  );
}

/** Traces the live tool run and, on request, dies in the last one before its step is journaled. */
function toolHook(input: BenchInput, k: number) {
  return (turn: number) => {
    trace(input, { ev: 'tool-live', turn });
    if (input.crash === true && turn === k - 1) crashPoint(LAST_TOOL_CRASH_POINT);
  };
}

type Loop = (
  ctx: restate.Context,
  input: BenchInput,
  k: number,
  size: ConversationSize,
) => Promise<unknown>;

const loops: Record<string, Loop> = {
  /** The Restate floor: the same number of `ctx.run` steps returning what the core loop journals. */
  raw: async (ctx, input, k) => {
    const onTool = toolHook(input, k);
    for (let turn = 0; turn <= k; turn++) {
      await ctx.run('model', async () => minimalAnswer(k, turn));
      if (turn < k) {
        await ctx.run('tool', async () => {
          onTool(turn);
          return toolResult(turn);
        });
      }
    }
    return { steps: k + 1 };
  },
  /** The official integration, as its README shows it: `durableCalls` around the provider. */
  official: (ctx, input, k, size) =>
    runAiSdkLoop({
      k,
      size,
      model: wrapLanguageModel({
        model: provider.chat(input.conversation),
        middleware: durableCalls(ctx, { maxRetryAttempts: 3 }),
      }),
      runTool: (_turn, body) => ctx.run('tool lookup', body),
      onToolLive: toolHook(input, k),
    }),
  /** core alone: a hand-written `openai` loop on `durableStep`. */
  core: (ctx, input, k, size) =>
    runOpenAiLoop({
      client,
      conversation: input.conversation,
      k,
      size,
      step: (name, action) => durableStep(ctx, name, action),
      onToolLive: toolHook(input, k),
    }),
  /** The same openai loop hand-wired: `ctx.run` around each call, nothing else. */
  'hand-openai': (ctx, input, k, size) =>
    runOpenAiLoop({
      client,
      conversation: input.conversation,
      k,
      size,
      step: (name, action) => ctx.run(name, action),
      onToolLive: toolHook(input, k),
    }),
  /** The AI SDK loop hand-wired: `ctx.run` around `doGenerate` (answer only) and around the tool body. */
  'hand-ai-sdk': (ctx, input, k, size) =>
    runAiSdkLoop({
      k,
      size,
      model: handWiredAiSdkModel(ctx, provider.chat(input.conversation)),
      runTool: (_turn, body) => ctx.run('tool lookup', body),
      onToolLive: toolHook(input, k),
    }),
};

if (adapters.has('ai-sdk')) {
  const { durableTools, withRestate } = await import('@restate-agents/ai-sdk');
  loops['ai-sdk'] = (ctx, input, k, size) =>
    runAiSdkLoop({
      k,
      size,
      model: provider.chat(input.conversation),
      onToolLive: toolHook(input, k),
      prepare: (settings) =>
        withRestate(ctx, {
          ...settings,
          tools: durableTools(ctx, settings.tools as Parameters<typeof durableTools>[1]),
        } as never) as typeof settings,
    });
}

/** The no-Restate loops; `POST /<sdk>` with a BenchInput (below). */
const floors: Record<string, (input: BenchInput) => Promise<unknown>> = {
  'ai-sdk': (input) =>
    runAiSdkLoop({
      ...parseConversation(input.conversation),
      model: provider.chat(input.conversation),
    }),
  openai: (input) =>
    runOpenAiLoop({
      ...parseConversation(input.conversation),
      client,
      conversation: input.conversation,
    }),
};

// LangChain and LangGraph: the load bench's agents (adapter, hand-wired ctx.run, no Restate).
for (const sdk of ['langchain', 'langgraph'] as const) {
  if (!adapters.has(sdk)) continue;
  const agent = await loadAgent(sdk, modelUrl);
  loops[sdk] = (ctx, input, k) =>
    agent.durable(ctx, input.conversation, { onToolLive: toolHook(input, k) });
  loops[`hand-${sdk}`] = (ctx, input, k) =>
    agent.hand(ctx, input.conversation, { onToolLive: toolHook(input, k) });
  floors[sdk] = (input) => agent.floor(input.conversation);
}

const services = Object.entries(loops).map(([config, loop]) =>
  restate.service({
    name: serviceName(config),
    handlers: {
      run: async (ctx: restate.Context, input: BenchInput) => {
        trace(input, { ev: 'attempt-start' });
        const { k, size } = parseConversation(input.conversation);
        const result = await loop(ctx, input, k, size);
        trace(input, { ev: 'attempt-end' });
        return result;
      },
    },
  }),
);

const floorServer = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const floor = floors[(request.url ?? '/').slice(1)];
    if (floor === undefined) {
      response.writeHead(404).end();
      return;
    }
    floor(JSON.parse(Buffer.concat(chunks).toString('utf8')) as BenchInput).then(
      (result) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
});
floorServer.listen(Number(process.env.BENCH_FLOOR_PORT), '127.0.0.1');

await restate.serve({ services, port: Number(process.env.PORT) });
