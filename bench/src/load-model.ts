/**
 * The scripted model of `pnpm bench:load`, in a process of its own: with 1,000 agents it serves thousands of
 * requests, and sharing the driver's event loop (which also holds 1,000 open client requests) would slow
 * both and make keep-alive races between the service's HTTP client and the model server likely.
 *
 * Env: PORT (the model, OpenAI-compatible under /v1), LOAD_MODEL_CONTROL_PORT (`POST /reset` answers how many
 * requests were served since the last reset and forgets them), LOAD_LATENCY_MS (delay before each answer).
 */
import { createServer } from 'node:http';
import { startMockModel } from '@restate-agents/testing';
import { benchScript } from './workload.ts';

const latencyMs = Number(process.env.LOAD_LATENCY_MS ?? 300);
const model = await startMockModel({
  port: Number(process.env.PORT),
  defaultScript: (request) => ({ ...benchScript(request), delayMs: latencyMs }),
});

createServer((request, response) => {
  if (request.url !== '/reset') {
    response.writeHead(404).end();
    return;
  }
  const requests = model.requests.length;
  model.reset();
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests }));
}).listen(Number(process.env.LOAD_MODEL_CONTROL_PORT), '127.0.0.1');
