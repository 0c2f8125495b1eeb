import { registerHooks } from 'node:module';

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
