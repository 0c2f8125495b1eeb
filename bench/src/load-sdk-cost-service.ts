/**
 * The service process of `node src/load-sdk-cost.ts`: handlers that do nothing but M journaled steps, so
 * the Restate SDK's own cost per invocation and per `ctx.run` can be read off the service's CPU time
 * (no model, no agent SDK). Each step returns ~1 KB of JSON text, like a tool result of the load bench.
 *
 * - `Cost_run`: M bare `ctx.run` steps (Restate's default JSON serde);
 * - `Cost_step`: M core `durableStep`s (journal serde, retry cap, classification);
 * - `POST /plain` on the control port: the same M async calls with no Restate, over plain HTTP/1.1.
 *
 * Env: PORT (Restate endpoint), LOAD_CONTROL_PORT (`/stats`: this process's CPU time; `/profile/start`,
 * `/profile/stop?file=` a sampling CPU profile of this process), RESTATE_LOGGING.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { durableStep } from '@restate-agents/core';
import * as restate from '@restatedev/restate-sdk';
import { toolResult } from './workload.ts';

interface CostInput {
  m: number;
}

const work = async (index: number) => toolResult(index);

const services = [
  restate.service({
    name: 'Cost_run',
    handlers: {
      run: async (ctx: restate.Context, input: CostInput) => {
        let bytes = 0;
        for (let index = 0; index < input.m; index++) {
          bytes += (await ctx.run('step', () => work(index))).length;
        }
        return { bytes };
      },
    },
  }),
  restate.service({
    name: 'Cost_step',
    handlers: {
      run: async (ctx: restate.Context, input: CostInput) => {
        let bytes = 0;
        for (let index = 0; index < input.m; index++) {
          bytes += (await durableStep(ctx, 'step', () => work(index))).length;
        }
        return { bytes };
      },
    },
  }),
];

let profiler: Session | undefined;

const control = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', async () => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/profile/start') {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
      await profiler.post('Profiler.start');
      response.writeHead(200).end('{}');
      return;
    }
    if (url.pathname === '/profile/stop' && profiler !== undefined) {
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      writeFileSync(url.searchParams.get('file') ?? 'cost.cpuprofile', JSON.stringify(profile));
      response.writeHead(200).end('{}');
      return;
    }
    if (url.pathname === '/stats') {
      const cpu = process.cpuUsage();
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }));
      return;
    }
    const { m } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CostInput;
    let bytes = 0;
    for (let index = 0; index < m; index++) bytes += (await work(index)).length;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes }));
  });
});
// The driver sends bursts seconds apart: a keep-alive socket must not close under its feet.
control.keepAliveTimeout = 120_000;
control.listen(Number(process.env.LOAD_CONTROL_PORT), '127.0.0.1');

await restate.serve({ services, port: Number(process.env.PORT) });
