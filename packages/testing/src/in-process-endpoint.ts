import { createServer, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createEndpointHandler, type NodeEndpointOptions } from '@restatedev/restate-sdk';

/** A Restate endpoint served from the test process itself. */
export interface InProcessEndpoint {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `services` over HTTP/2 (h2c) on a free loopback port inside this process, the way the
 * SDK's testcontainers harness does, so tests can read the handlers' closures and counters.
 */
export async function serveInProcess(
  services: NodeEndpointOptions['services'],
  options: Omit<NodeEndpointOptions, 'services'> = {},
): Promise<InProcessEndpoint> {
  const server = createServer(createEndpointHandler({ ...options, services }));
  // restate-server keeps its HTTP/2 sessions open; close() would wait for them forever.
  const sessions = new Set<Http2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
