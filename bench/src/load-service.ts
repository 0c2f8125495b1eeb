/**
 * The service process of `pnpm bench:load`: per adapter two Restate services, `Load_durable_<adapter>`
 * (the adapter) and `Load_hand_<adapter>` (the loop hand-wired with `ctx.run`), and a plain HTTP control server that runs the same agents with no Restate
 * (`POST /floor/<adapter>`) and reports this process's CPU and memory. Both live in this one process, so
 * the floor pays the same process, JIT and HTTP as the durable runs and the difference is durability.
 *
 * Two more services wait on a human approval after one model call: `LoadWait_default` with the server's
 * inactivity timeout (1 min) and `LoadWait_prompt` with `inactivityTimeout` = LOAD_INACTIVITY_MS, to show
 * what a waiting agent holds before and after Restate suspends it.
 *
 * Env: PORT (Restate endpoint), LOAD_CONTROL_PORT, BENCH_MODEL_URL, LOAD_ADAPTERS (comma list),
 * LOAD_INACTIVITY_MS, LOAD_PROFILE_DIR (where `POST /profile/stop` writes .cpuprofile files and
 * `POST /heap-snapshot?name=` a .heapsnapshot, to see what waiting agents keep alive).
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { durableStep, requestApproval } from '@restate-agents/core';
import * as restate from '@restatedev/restate-sdk';
import { type LoadAdapter, loadAgent, loadServiceName } from './load-agents.ts';
import { callModel, openaiClient } from './loops/openai-loop.ts';
import { SYSTEM_PROMPT, USER_PROMPT } from './workload.ts';

const modelUrl = process.env.BENCH_MODEL_URL ?? '';
const adapters = (process.env.LOAD_ADAPTERS ?? '').split(',').filter(Boolean) as LoadAdapter[];
const inactivityMs = Number(process.env.LOAD_INACTIVITY_MS ?? 1000);
const profileDir = process.env.LOAD_PROFILE_DIR ?? '.';

// A full collection before each memory reading, so heap figures are live objects, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface LoadInput {
  conversation: string;
}

const agents = new Map(
  await Promise.all(
    adapters.map(async (adapter) => [adapter, await loadAgent(adapter, modelUrl)] as const),
  ),
);

const services: restate.ServiceDefinition<string, unknown>[] = [...agents].flatMap(
  ([adapter, agent]) =>
    (['durable', 'hand'] as const).map((form) =>
      restate.service({
        name: loadServiceName(adapter, form),
        handlers: {
          run: (ctx: restate.Context, input: LoadInput) => agent[form](ctx, input.conversation),
        },
      }),
    ),
);

/** Agents whose approval request went out in this process (the notify step runs live once). */
let waiting = 0;
const client = openaiClient(modelUrl);
const waitHandler = async (ctx: restate.Context, input: LoadInput) => {
  const answer = await durableStep(ctx, 'openai:model:1', () =>
    callModel(client, input.conversation, [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: USER_PROMPT },
    ]),
  );
  const decision = await requestApproval(
    ctx,
    { tool: answer.toolCalls[0]?.name ?? 'none' },
    {
      onRequest: () => {
        waiting++;
      },
    },
  );
  return decision.approved;
};
services.push(
  restate.service({ name: 'LoadWait_default', handlers: { run: waitHandler } }),
  restate.service({
    name: 'LoadWait_prompt',
    handlers: { run: waitHandler },
    // What docs/deploy.md recommends: a waiting agent suspends (frees its server slot and this process's
    // memory) soon after it starts waiting, instead of after the server's 1-minute default.
    options: { inactivityTimeout: inactivityMs },
  }),
);

/** TCP connections this process's `fetch` opened (to the model): a pool that is not reused shows here. */
let connectionsOpened = 0;
subscribe('undici:client:connected', () => {
  connectionsOpened++;
});

/** Highest heap and RSS seen since the last reset, sampled every 50 ms. */
const peak = { heapUsed: 0, rss: 0 };
/**
 * CPU the sampler itself used, µs: `process.memoryUsage()` costs ~20 µs, 20 times a second, so a form that
 * runs longer (on a busy machine, any form) would be charged more CPU per agent for the measuring alone.
 * `/stats` reports the process's CPU without it.
 */
let samplerCpuUs = 0;
const sample = () => {
  const started = process.cpuUsage();
  const memory = process.memoryUsage();
  peak.heapUsed = Math.max(peak.heapUsed, memory.heapUsed);
  peak.rss = Math.max(peak.rss, memory.rss);
  const used = process.cpuUsage(started);
  samplerCpuUs += used.user + used.system;
};
setInterval(sample, 50).unref();

let profiler: Session | undefined;

async function control(url: URL): Promise<unknown> {
  switch (url.pathname) {
    case '/stats': {
      if (url.searchParams.get('gc') === '1') {
        gc();
        gc();
      }
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      return {
        cpuMs: (cpu.user + cpu.system - samplerCpuUs) / 1000,
        heapUsed: memory.heapUsed,
        rss: memory.rss,
        peakHeapUsed: peak.heapUsed,
        peakRss: peak.rss,
        waiting,
        connectionsOpened,
      };
    }
    case '/stats/reset': {
      peak.heapUsed = 0;
      peak.rss = 0;
      sample();
      return { ok: true };
    }
    case '/heap-snapshot': {
      gc();
      const file = join(profileDir, `${url.searchParams.get('name') ?? 'load'}.heapsnapshot`);
      return { file: writeHeapSnapshot(file) };
    }
    case '/profile/start': {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
      await profiler.post('Profiler.start');
      return { ok: true };
    }
    case '/profile/stop': {
      if (profiler === undefined) throw new Error('no profile running');
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      const file = join(profileDir, `${url.searchParams.get('name') ?? 'load'}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return { file };
    }
    default:
      throw new Error(`unknown path ${url.pathname}`);
  }
}

const controlServer = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const agent = url.pathname.startsWith('/floor/')
      ? agents.get(url.pathname.slice('/floor/'.length) as LoadAdapter)
      : undefined;
    const work =
      agent === undefined
        ? control(url)
        : agent.floor(
            (JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadInput).conversation,
          );
    work.then(
      (result) => reply(200, result ?? null),
      (error: unknown) => reply(500, { error: String(error) }),
    );
  });
});
// The driver polls, then waits seconds between calls: an idle keep-alive connection the server closes just
// as the driver reuses it is reset (Node's default is 5 s).
controlServer.keepAliveTimeout = 120_000;
// All N no-Restate requests arrive at once: with Node's default listen backlog (511) a burst of 1,000
// connections overflows it and the rest are refused or reset ("fetch failed" in the driver), which the
// durable forms, whose requests go to restate-server's ingress, never meet. A backlog as deep as the kernel
// allows (net.core.somaxconn) serves the no-Restate form the way a real service would be.
controlServer.listen({
  port: Number(process.env.LOAD_CONTROL_PORT),
  host: '127.0.0.1',
  backlog: 4096,
});

await restate.serve({ services, port: Number(process.env.PORT) });
