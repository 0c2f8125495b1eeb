/**
 * A TCP proxy between restate-server and a service process that can stage a network partition: Restate's
 * side of every open connection is reset (Restate gives up on the attempts in flight and retries on a new
 * connection), while the service's side stays open and silent — so an attempt in flight never learns that it
 * was given up on and keeps running: a zombie. The live kit's zombie scenario needs exactly that, and a SIGSTOP
 * alone cannot make it (after SIGCONT the service reads the reset stream and aborts the attempt itself).
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

/** A proxy to a service port that can cut Restate off from the attempts in flight. */
export interface PartitionProxy {
  /** `http://127.0.0.1:<port>`: register this with Restate instead of the service's own URL. */
  readonly url: string;
  /** Connections accepted so far (a retry after {@link PartitionProxy.partition} shows up as a new one). */
  readonly connections: number;
  /**
   * Resets Restate's side of every open connection; the service's side is held open and its data dropped.
   * Returns how many connections were cut. New connections are proxied as usual.
   */
  partition(): number;
  /** Resolves once more than `count` connections were accepted in all. */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Closes the held service sides: the zombie's handler finally sees its connection end. */
  heal(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port to `127.0.0.1:<targetPort>`. */
export async function startPartitionProxy(targetPort: number): Promise<PartitionProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const held = new Set<Socket>();
  let accepted = 0;
  let waiters: Array<() => void> = [];
  const server = createServer((client) => {
    accepted += 1;
    for (const wake of waiters) wake();
    waiters = [];
    const upstream = connect({ port: targetPort, host: '127.0.0.1' });
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      if (!held.has(upstream)) upstream.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    upstream.on('error', drop);
    upstream.on('close', () => {
      held.delete(upstream);
      drop();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const heal = (): void => {
    for (const socket of held) socket.destroy();
    held.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return accepted;
    },
    partition() {
      let cut = 0;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        // What the service writes from now on goes nowhere; it never sees its connection end.
        held.add(pair.upstream);
        pair.upstream.on('data', () => undefined);
        pair.client.resetAndDestroy();
        cut += 1;
      }
      return cut;
    },
    waitForConnections(count, timeoutMs = 15_000) {
      if (accepted > count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no new connection to the proxy within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = (): void => {
          if (accepted > count) {
            clearTimeout(timer);
            resolve();
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    heal,
    close: () =>
      new Promise<void>((resolve) => {
        heal();
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}
