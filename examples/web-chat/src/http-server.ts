import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { Readable } from 'node:stream';

/** A route in the Fetch API's shape, which is what the chat handlers are. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** `/api/...` routes: the first whose pattern matches the method and path answers. */
export interface ApiRoute {
  method: 'GET' | 'POST';
  path: RegExp;
  handler: FetchHandler;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A running HTTP server: the page and its API on one origin. */
export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built page from `pageDir` and the API routes on one port (same origin, so the page needs
 * no CORS). The API routes are Fetch handlers: each Node request becomes a `Request` whose signal aborts
 * when the browser goes away, so a closed tab ends its long poll on the stream log.
 */
export async function startWebServer(options: {
  pageDir: string;
  routes: ApiRoute[];
  port?: number;
}): Promise<WebServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: { pageDir: string; routes: ApiRoute[] },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = options.routes.find(
    (candidate) => candidate.method === req.method && candidate.path.test(url.pathname),
  );
  if (route) {
    await answer(res, await route.handler(toRequest(req, res, url)));
    return;
  }
  if (req.method !== 'GET' || url.pathname.startsWith('/api/')) {
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(`No route for ${req.method} ${url.pathname}`);
    return;
  }
  // Static files; anything else is the page itself (a chat id lives in the query string).
  const file = normalize(join(options.pageDir, url.pathname));
  const found =
    file.startsWith(options.pageDir) && existsSync(file) && statSync(file).isFile()
      ? file
      : join(options.pageDir, 'index.html');
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(found)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
  });
  createReadStream(found).pipe(res);
}

function toRequest(req: IncomingMessage, res: ServerResponse, url: URL): Request {
  const controller = new AbortController();
  // `close` on the response fires when the client disconnects (or the answer ended): either way the
  // handler may stop reading the log.
  res.once('close', () => controller.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method ?? 'GET',
    headers,
    signal: controller.signal,
    ...(hasBody && {
      body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
      duplex: 'half',
    }),
  });
}

async function answer(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  // Send the headers now: an SSE answer may not write its first event for a while.
  res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client went away mid-stream; nothing to answer.
  }
  res.end();
}
