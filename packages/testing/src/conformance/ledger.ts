/**
 * The ledger: a tiny HTTP server in the test process that counts the side effects of a service running in
 * another process. It outlives every SIGKILL of the service, so "exactly once" is measured outside it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pollUntil } from '../poll-until.js';

/** One thing the service told the ledger. */
export interface LedgerEntry {
  /** `record`, `approval`, `event`, or whatever path the service posted to. */
  kind: string;
  session: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

/** A running ledger. */
export interface Ledger {
  /** Base URL the service posts to: `POST <url>/<kind>` with `{ session, ... }`. */
  url: string;
  /** Every entry, in arrival order. */
  entries(filter?: { kind?: string; session?: string }): LedgerEntry[];
  /** Waits until an entry of `kind` for `session` arrives, and returns the first. */
  waitFor(kind: string, session: string, options?: { timeoutMs?: number }): Promise<LedgerEntry>;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed: unknown = text.length === 0 ? {} : JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError('ledger entries must be JSON objects');
  }
  return parsed as Record<string, unknown>;
}

/** Starts a ledger on a free loopback port. */
export async function startLedger(): Promise<Ledger> {
  const entries: LedgerEntry[] = [];
  const server: Server = createServer((request, response) => {
    const kind = (request.url ?? '/').replace(/^\/+/, '').split('?')[0] ?? '';
    if (request.method !== 'POST' || kind.length === 0) {
      response.writeHead(404).end();
      return;
    }
    readJson(request).then(
      (body) => {
        const session = typeof body.session === 'string' ? body.session : '';
        entries.push({ kind, session, body, receivedAt: Date.now() });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
      (error: unknown) => {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const select = (filter: { kind?: string; session?: string } = {}) =>
    entries.filter(
      (entry) =>
        (filter.kind === undefined || entry.kind === filter.kind) &&
        (filter.session === undefined || entry.session === filter.session),
    );
  return {
    url: `http://127.0.0.1:${port}`,
    entries: select,
    async waitFor(kind, session, options = {}) {
      return pollUntil(async () => select({ kind, session })[0], {
        timeoutMs: options.timeoutMs ?? 30_000,
        description: `ledger entry "${kind}" for session ${session}`,
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
