import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { OutputBuffer } from './output-buffer.js';

/** A restate-server process tied to the life of this process. */
export interface RestateServerProcess {
  /** pid of restate-server itself (not of the watchdog shell). */
  pid: number;
  output: OutputBuffer;
  /** Set once restate-server's stdout closes, i.e. it exited. */
  exited(): boolean;
  /** Kills restate-server and waits until the watchdog removed `cleanupDir` and exited. */
  kill(): Promise<void>;
}

// The watchdog: a shell that starts restate-server in the background and then blocks reading its own
// stdin, a pipe from this process. A line from us (stop) or EOF (this process died, even by SIGKILL,
// since the kernel closes the pipe) makes it SIGKILL the server, reap it and delete the temp folder.
// It drops its copies of stdout/stderr, so the pipes close exactly when restate-server exits, and
// hands the server's pid back on fd 3.
const watchdogScript = `
cleanup_dir=$1; shift
"$@" </dev/null 3>&- &
server=$!
echo "$server" >&3
exec 3>&- 1>/dev/null 2>&1
read -r _ || true
kill -9 "$server" 2>/dev/null
wait "$server"
rm -rf "$cleanup_dir"
`;

const liveServers = new Set<number>();
let exitHookInstalled = false;

/**
 * The native restate-server binary from the `@restatedev/restate-server-<os>-<arch>` optional
 * dependency, spawned directly instead of through the package's Node wrapper (one process less,
 * and signals reach the server).
 */
export function restateServerBinary(): string {
  const require = createRequire(import.meta.url);
  const wrapperPackage = require.resolve('@restatedev/restate-server/package.json');
  const nativePackage = `@restatedev/restate-server-${process.platform}-${process.arch}`;
  try {
    return createRequire(wrapperPackage).resolve(`${nativePackage}/bin/restate-server`);
  } catch (error) {
    throw new Error(
      `${nativePackage} is not installed (optional dependency of @restatedev/restate-server); reinstall without --no-optional`,
      { cause: error },
    );
  }
}

/** Spawns restate-server with `args` and `env` under the watchdog. */
export async function spawnRestateServer(options: {
  args: string[];
  env: Record<string, string>;
  cleanupDir: string;
}): Promise<RestateServerProcess> {
  const output = new OutputBuffer();
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      watchdogScript,
      'restate-agents-watchdog',
      options.cleanupDir,
      restateServerBinary(),
      ...options.args,
    ],
    { env: options.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] },
  );
  let stdoutClosed = false;
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stdout?.once('close', () => {
    stdoutClosed = true;
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const pid = await readPid(child.stdio[3] as Readable, child);
  liveServers.add(pid);
  installExitHook();
  // A forgotten stop() must not keep the test process alive; the exit hook and the watchdog clean up.
  unrefAll(child);

  let killing: Promise<void> | undefined;
  return {
    pid,
    output,
    exited: () => stdoutClosed,
    kill: () => {
      killing ??= (async () => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        // Hold the event loop open until the watchdog exits, or `await stop()` could end the process.
        child.ref();
        for (const stream of child.stdio) (stream as { ref?: () => void } | null)?.ref?.();
        child.stdin?.end('stop\n');
        await closed;
        liveServers.delete(pid);
      })();
      return killing;
    },
  };
}

function readPid(stream: Readable, child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline === -1) return;
      stream.off('data', onData);
      resolve(Number(text.slice(0, newline)));
    };
    stream.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`restate-server watchdog exited with ${code}`)));
  });
}

function unrefAll(child: ChildProcess): void {
  child.unref();
  for (const stream of child.stdio) {
    (stream as { unref?: () => void } | null)?.unref?.();
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last chance on a normal exit; the watchdog covers the rest (and removes the folder).
  process.on('exit', () => {
    for (const pid of liveServers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}
