import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../src/http-server.ts';

let server: WebServer;
let pageDir: string;
let aborted: Promise<void>;

beforeAll(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'web-chat-page-'));
  writeFileSync(join(pageDir, 'index.html'), '<p>page</p>');
  writeFileSync(join(pageDir, 'app.js'), 'export {};');
  let onAbort: () => void = () => undefined;
  aborted = new Promise((resolve) => {
    onAbort = resolve;
  });
  server = await startWebServer({
    pageDir,
    routes: [
      {
        method: 'POST',
        path: /^\/api\/echo$/,
        handler: async (request) => Response.json({ got: await request.json() }),
      },
      {
        method: 'GET',
        path: /^\/api\/sse$/,
        // Never ends on its own: only the client going away stops it.
        handler: (request) => {
          request.signal.addEventListener('abort', onAbort);
          return new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode('id: 0\ndata: {"type":"start"}\n\n'));
              },
            }),
            { headers: { 'content-type': 'text/event-stream' } },
          );
        },
      },
    ],
  });
});

afterAll(async () => {
  await server.close();
  rmSync(pageDir, { recursive: true, force: true });
});

it('serves the page, its files, and the page again for any other path (the chat id is in the query)', async () => {
  expect(await (await fetch(server.url)).text()).toBe('<p>page</p>');
  const script = await fetch(new URL('app.js', server.url));
  expect(script.headers.get('content-type')).toContain('text/javascript');
  expect(await (await fetch(new URL('chat?chat=x', server.url))).text()).toBe('<p>page</p>');
  // No file outside the page's folder, however the path is spelled.
  const outside = await fetch(new URL('/..%2f..%2fetc/passwd', server.url));
  expect(await outside.text()).toBe('<p>page</p>');
});

it('answers API routes as Fetch handlers, body in and out; unknown API paths are 404', async () => {
  const echo = await fetch(new URL('api/echo', server.url), {
    method: 'POST',
    body: JSON.stringify({ a: 1 }),
  });
  expect(await echo.json()).toEqual({ got: { a: 1 } });
  const missing = await fetch(new URL('api/nothing', server.url));
  expect(missing.status).toBe(404);
  expect(await missing.text()).toBe('No route for GET /api/nothing');
});

it('streams an SSE answer as it is written, and aborts the handler when the client goes away', async () => {
  const controller = new AbortController();
  const response = await fetch(new URL('api/sse', server.url), { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const { value } = await reader.read();
  expect(new TextDecoder().decode(value)).toBe('id: 0\ndata: {"type":"start"}\n\n');
  controller.abort();
  await aborted;
});
