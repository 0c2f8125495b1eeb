import { registerHooks } from 'node:module';
import { Server } from 'node:net';

// Preloaded (`node --import`) into every process started by startServiceProcess. Self-contained and
// free of non-erasable syntax, because Node loads it straight from `src/` with type stripping.

// A service written for NodeNext imports `./tools.js` while the file on disk is `tools.ts`. When such a
// relative import is missing, retry it with `.ts`, so test entries run from source without a build.
// `registerHooks` exists from Node 22.15; older Nodes simply need built entries.
if (typeof registerHooks === 'function') {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        const isPath = /^(\.{1,2}\/|\/|file:)/.test(specifier);
        const notFound = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND';
        if (!(isPath && notFound && specifier.endsWith('.js'))) throw error;
        return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
      }
    },
  });
}

// The IPC channel closes when the test process dies, even by SIGKILL: die with it, so no service
// process outlives a crashed test run.
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.channel?.unref();
}

// A warm standby (`startServiceProcess({ warmStandby: true })`): the entry loads now, but its `listen` on
// the service port waits until the parent promotes this process (after the one serving was killed), so a
// restart costs the bind, not the import of the SDK. Other ports (a server the entry starts for itself)
// listen at once. The timer keeps the process alive until then; the parent may say "promote" more than once.
if (process.env.RESTATE_AGENTS_STANDBY === '1' && typeof process.send === 'function') {
  const servicePort = Number(process.env.PORT);
  const held: Array<() => void> = [];
  let promoted = false;
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const originalListen = Server.prototype.listen;
  const portOf = (args: unknown[]): number | undefined => {
    const [first] = args;
    if (typeof first === 'number') return first;
    if (typeof first === 'string' && /^\d+$/.test(first)) return Number(first);
    if (typeof first === 'object' && first !== null && 'port' in first) {
      return Number((first as { port: unknown }).port);
    }
    return undefined;
  };
  Server.prototype.listen = function listen(this: Server, ...args: unknown[]) {
    if (promoted || portOf(args) !== servicePort) {
      return (originalListen as (...a: unknown[]) => Server).apply(this, args);
    }
    held.push(() => (originalListen as (...a: unknown[]) => Server).apply(this, args));
    return this;
  } as typeof Server.prototype.listen;
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== 'restate-agents:promote-standby') return;
    if (promoted) return;
    promoted = true;
    Server.prototype.listen = originalListen;
    clearInterval(keepAlive);
    for (const listen of held.splice(0)) listen();
  });
  process.channel?.unref();
}
