import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { crashMarker, crashPointMessages } from './crash-point.js';
import { freePort } from './free-port.js';
import { OutputBuffer } from './output-buffer.js';
import { pollUntil } from './poll-until.js';

/** Options for {@link startServiceProcess}. */
export interface StartServiceProcessOptions {
  /**
   * Path to a `.ts` or `.js` module that serves Restate services on `process.env.PORT`, e.g.
   * `restate.serve({ services, port: Number(process.env.PORT) })`. `.ts` runs through Node's type
   * stripping, and its relative `./x.js` imports resolve to `./x.ts` when no `.js` exists.
   */
  entry: string;
  /** Extra environment variables; `RESTATE_AGENTS_CRASH_AT` arms crash points from the start. */
  env?: Record<string, string>;
  /** Port to serve on; default a free one, kept across restarts. */
  port?: number;
  /**
   * How long to wait for the port to accept connections; default 60 s. A ceiling, not an expectation: a
   * service importing a large SDK (Mastra takes 8–11 s on two busy cores) must not fail a test by loading.
   */
  readyTimeoutMs?: number;
  /**
   * Keep a second process of the same entry loaded in the background (its modules imported, its
   * `listen` on the service port held back) and promote it on `restart()`, so a restart after a kill or
   * crash costs the bind instead of loading the SDK again (seconds for a large one). The standby is a
   * fresh process like any restart: nothing armed, nothing from the killed one. Costs one more process
   * load per start; worth it where a test restarts. Default false.
   */
  warmStandby?: boolean;
}

/** Where a service process died at a crash point. */
export interface CrashReport {
  point: string;
  hit: number;
}

/** A Node process serving Restate services, which a test can kill, restart and crash at will. */
export interface ServiceProcess {
  /** `http://127.0.0.1:<port>`, what `RestateEnvironment.register()` takes. */
  url: string;
  port: number;
  /** Whether the process is alive. */
  running: boolean;
  /** The current process's id (e.g. to SIGSTOP it and make a "zombie" attempt); undefined before the first start. */
  readonly pid: number | undefined;
  /** SIGKILLs the process; resolves once it exited. */
  kill(): Promise<void>;
  /** Kills the process if running and starts it again on the same port. */
  restart(): Promise<void>;
  /** Kills the process for good (same as kill, named for teardown). */
  stop(): Promise<void>;
  /** Arms `point` so its `hit`-th hit (default 1, counted from now) kills the process. */
  armCrash(point: string, hit?: number): Promise<void>;
  /** Resolves when the current process dies at a crash point; rejects if it dies otherwise. */
  crashed(): Promise<CrashReport>;
  /** stdout and stderr of every run so far (the last 1 MiB). */
  output(): string;
}

interface Run {
  child: ChildProcess;
  alive: boolean;
  crash: CrashReport | undefined;
  /** Resolves with the crash report (or undefined) once the process exited and its pipes closed. */
  ended: Promise<CrashReport | undefined>;
}

/**
 * Starts `node <entry>` as a child process on a fixed port and waits until it accepts connections.
 *
 * Killing and restarting keeps the port, so the deployment registered at `url` stays valid. The
 * child dies with the test process (it watches its IPC channel), and crash points armed with
 * `armCrash()` kill it for real with SIGKILL.
 */
export async function startServiceProcess(
  options: StartServiceProcessOptions,
): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const output = new OutputBuffer();
  let run: Run | undefined;
  let standby: Run | undefined;

  const start = async (): Promise<void> => {
    const promoted = promoteStandby(standby);
    standby = undefined;
    run = promoted ?? spawnRun(options, port, output, false);
    const current = run;
    await pollUntil(
      () => {
        // Said again until it listens: a standby still booting may not be listening for messages yet.
        if (promoted !== undefined) promoteStandby(promoted);
        return acceptsConnections(port);
      },
      {
        description: `service process ${options.entry} to listen on port ${port}`,
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        details: () => `Output:\n${output.tail(40)}`,
        failIf: () =>
          current.alive
            ? undefined
            : new Error(
                `Service process ${options.entry} exited during startup.\nOutput:\n${output.tail(40)}`,
              ),
      },
    );
    // The next restart's process loads while this one serves.
    if (options.warmStandby) standby = spawnRun(options, port, output, true);
  };

  const stopStandby = async (): Promise<void> => {
    const waiting = standby;
    standby = undefined;
    if (waiting === undefined) return;
    if (waiting.alive) waiting.child.kill('SIGKILL');
    await waiting.ended;
  };

  const kill = async (): Promise<void> => {
    if (run === undefined) return;
    if (run.alive) run.child.kill('SIGKILL');
    await run.ended;
  };

  try {
    await start();
  } catch (error) {
    // Nobody gets a handle to stop a process that never became ready: stop it here, or it outlives the
    // caller's cleanup (and keeps the caller's event loop alive).
    await Promise.all([kill(), stopStandby()]);
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get running() {
      return run?.alive ?? false;
    },
    get pid() {
      return run?.child.pid;
    },
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await Promise.all([kill(), stopStandby()]);
    },
    armCrash: async (point, hit = 1) => {
      const current = run;
      if (current === undefined || !current.alive) {
        throw new Error(`armCrash(${point}): the service process is not running`);
      }
      await armCrash(current.child, point, hit);
    },
    crashed: async () => {
      if (run === undefined) throw new Error('crashed(): the service process never started');
      const report = await run.ended;
      if (report === undefined) {
        throw new Error(
          `The service process exited without reaching a crash point.\nOutput:\n${output.tail(40)}`,
        );
      }
      return report;
    },
    output: () => output.text(),
  };
}

// Spelled out again in service-process-preload.ts, which imports nothing (it runs from src/ in the child).
const standbyMessages = {
  env: 'RESTATE_AGENTS_STANDBY',
  promote: 'restate-agents:promote-standby',
} as const;

/** Lets a loaded standby bind the port; undefined if there is none (or it died), so a fresh one starts. */
function promoteStandby(standby: Run | undefined): Run | undefined {
  if (standby === undefined || !standby.alive) return undefined;
  try {
    standby.child.send({ type: standbyMessages.promote });
    return standby;
  } catch {
    standby.child.kill('SIGKILL');
    return undefined;
  }
}

function spawnRun(
  options: StartServiceProcessOptions,
  port: number,
  output: OutputBuffer,
  asStandby: boolean,
): Run {
  // From src/ (tests, type stripping) the helpers are .ts files, from dist/ .js files.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const preload = new URL(`./service-process-preload${extension}`, import.meta.url).href;
  const crashPointModule = new URL(`./crash-point${extension}`, import.meta.url).href;
  const child = spawn(
    process.execPath,
    ['--import', preload, '--import', crashPointModule, options.entry],
    {
      env: {
        ...process.env,
        PORT: String(port),
        RESTATE_AGENTS_SERVICE_PROCESS: '1',
        ...options.env,
        ...(asStandby && { [standbyMessages.env]: '1' }),
      },
      // The IPC channel carries crash-point arming and reports, and closes when we die.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const run: Run = { child, alive: true, crash: undefined, ended: Promise.resolve(undefined) };
  let stderrText = '';
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    output.append(chunk);
    // The crash point writes its marker synchronously before dying; IPC might not get out in time.
    stderrText = (stderrText + chunk.toString('utf8')).slice(-4096);
    run.crash ??= parseCrashMarker(stderrText);
  });
  child.on('message', (message: unknown) => {
    const typed = message as { type?: unknown; point?: unknown; hit?: unknown };
    if (typed.type === crashPointMessages.crashed) {
      run.crash ??= { point: String(typed.point), hit: Number(typed.hit) };
    }
  });
  run.ended = new Promise((resolve) => {
    child.once('exit', () => {
      run.alive = false;
    });
    // 'close' comes after the pipes drained, so a crash marker written just before death is in.
    child.once('close', () => {
      run.alive = false;
      resolve(run.crash);
    });
  });
  return run;
}

function parseCrashMarker(text: string): CrashReport | undefined {
  const start = text.lastIndexOf(crashMarker);
  if (start === -1) return undefined;
  const line = text.slice(start + crashMarker.length).split('\n')[0] ?? '';
  try {
    return JSON.parse(line) as CrashReport;
  } catch {
    return undefined;
  }
}

function armCrash(child: ChildProcess, point: string, hit: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      cleanup();
      reject(
        new Error(
          `armCrash(${point}): no acknowledgement; the service process did not load the crash-point preload`,
        ),
      );
    }, 5_000);
    const onMessage = (message: unknown): void => {
      const typed = message as { type?: unknown; point?: unknown };
      if (typed.type !== crashPointMessages.armed || typed.point !== point) return;
      cleanup();
      resolve();
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error(`armCrash(${point}): the service process exited`));
    };
    const cleanup = (): void => {
      clearTimeout(timeout);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ type: crashPointMessages.arm, point, hit });
  });
}

async function acceptsConnections(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}
