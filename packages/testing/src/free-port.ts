import { createServer, type Server } from 'node:net';

/**
 * Finds `count` distinct TCP ports that are free on the loopback interface right now.
 *
 * All listeners stay open until every port is chosen, so the ports differ from each other; another
 * process may still take one before the caller binds it, so callers retry on `EADDRINUSE`.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    while (ports.length < count) {
      const server = createServer();
      servers.push(server);
      const port = await listenOnEphemeralPort(server);
      // Not one this process handed out lately: a caller may not have bound it yet (a service process
      // loading its SDK while restate-server starts beside it), and the kernel may offer it again.
      if (recentlyHandedOut.has(port)) continue;
      ports.push(port);
    }
    for (const port of ports) remember(port);
    return ports;
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

const recentlyHandedOut = new Set<number>();
const RECENT_LIMIT = 512;

function remember(port: number): void {
  recentlyHandedOut.add(port);
  // A Set iterates in insertion order: drop the oldest.
  if (recentlyHandedOut.size > RECENT_LIMIT) {
    const oldest = recentlyHandedOut.values().next().value;
    if (oldest !== undefined) recentlyHandedOut.delete(oldest);
  }
}

/** Finds one TCP port that is free on the loopback interface right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('freePort: no port allocated');
  return port;
}

function listenOnEphemeralPort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('freePort: listener has no TCP address'));
        return;
      }
      resolve(address.port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}
