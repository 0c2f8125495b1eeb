import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../src/poll-until.js';
import { startServiceProcess } from '../src/service-process.js';
import { useRestate } from '../src/vitest.js';
import { type Ledger, startLedger } from './fixtures/ledger.js';
import { pathExists, portAcceptsConnections, processesMatching } from './fixtures/process-probe.js';

const crashingService = fileURLToPath(new URL('./fixtures/crashing-service.ts', import.meta.url));
const neverListens = fileURLToPath(new URL('./fixtures/never-listens.ts', import.meta.url));

describe('service process that never becomes ready', () => {
  it('is stopped when the start gives up, so nothing outlives the caller', async () => {
    await expect(
      startServiceProcess({ entry: neverListens, readyTimeoutMs: 1_500 }),
    ).rejects.toThrow(/to listen on port/);
    await pollUntil(async () => (processesMatching(neverListens).length === 0 ? true : undefined), {
      description: 'the service process that never listened to be gone',
      timeoutMs: 5_000,
    });
  });
});

describe('service process crashes', () => {
  const restate = useRestate();
  let ledger: Ledger;
  beforeAll(async () => {
    ledger = await startLedger();
  });
  afterAll(() => ledger.close());

  it('dies at an armed crash point; after a restart the invocation resumes past the journaled step', async () => {
    const service = await startServiceProcess({
      entry: crashingService,
      env: { LEDGER_URL: `${ledger.url}/armed` },
    });
    try {
      await restate.register(service);
      await service.armCrash('between-steps');
      const { invocationId } = await restate.send({ service: 'CrashingSteps', handler: 'run' });

      expect(await service.crashed()).toEqual({ point: 'between-steps', hit: 1 });
      expect(service.running).toBe(false);
      expect(ledger.count('armed/first')).toBe(1);
      expect(ledger.count('armed/second')).toBe(0);

      // Restate saw the connection drop and schedules a retry (retry_count is dropped on completion).
      const failed = await restate.waitForStatus(
        invocationId,
        (current) => current.retryCount >= 1,
      );
      expect(failed.lastFailure).toBeDefined();

      await service.restart();
      expect(await restate.attach(invocationId)).toEqual(['one', 'two']);
      // The first step's side effect happened exactly once: the retry replayed it from the journal.
      expect(ledger.count('armed/first')).toBe(1);
      expect(ledger.count('armed/second')).toBe(1);
      const runs = (await restate.journal(invocationId)).filter((entry) => entry.type === 'Run');
      expect(runs.filter((entry) => entry.kind === 'command').map((entry) => entry.name)).toEqual([
        'first',
        'second',
      ]);
    } finally {
      await service.stop();
    }
  });

  it('arms crash points from RESTATE_AGENTS_CRASH_AT, counting hits per process', async () => {
    const service = await startServiceProcess({
      entry: crashingService,
      env: { LEDGER_URL: `${ledger.url}/env`, RESTATE_AGENTS_CRASH_AT: 'between-steps:2' },
    });
    try {
      await restate.register(service);
      const survivor = await restate.send({ service: 'CrashingSteps', handler: 'run' });
      expect(await restate.attach(survivor.invocationId)).toEqual(['one', 'two']);

      const victim = await restate.send({ service: 'CrashingSteps', handler: 'run' });
      expect(await service.crashed()).toEqual({ point: 'between-steps', hit: 2 });
      // A new process counts from zero again, so the replay passes the point once and completes.
      await service.restart();
      expect(await restate.attach(victim.invocationId)).toEqual(['one', 'two']);
      expect(ledger.count('env/first')).toBe(2);
      expect(ledger.count('env/second')).toBe(2);
    } finally {
      await service.stop();
    }
  });

  it('kill() and restart() keep the port', async () => {
    const service = await startServiceProcess({ entry: crashingService });
    try {
      expect(await portAcceptsConnections(service.port)).toBe(true);
      await service.kill();
      expect(service.running).toBe(false);
      expect(await portAcceptsConnections(service.port)).toBe(false);
      await expect(service.crashed()).rejects.toThrow(/without reaching a crash point/);
      await service.restart();
      expect(service.running).toBe(true);
      expect(await portAcceptsConnections(service.port)).toBe(true);
    } finally {
      await service.stop();
    }
  });

  it('warmStandby: restart() promotes the process that loaded beside it; its listen waited until then', async () => {
    const service = await startServiceProcess({ entry: crashingService, warmStandby: true });
    const processes = () => processesMatching(crashingService);
    try {
      const first = service.pid;
      const standby = await pollUntil(async () => processes().find((pid) => pid !== first), {
        description: 'the standby process',
        timeoutMs: 30_000,
      });
      await service.kill();
      // The standby is alive and loaded, but the port stays closed: it binds only when promoted.
      expect(processes()).toEqual([standby]);
      expect(await portAcceptsConnections(service.port)).toBe(false);
      await service.restart();
      expect(service.pid).toBe(standby);
      expect(await portAcceptsConnections(service.port)).toBe(true);
      // And the next standby is on its way.
      await pollUntil(async () => (processes().length === 2 ? true : undefined), {
        description: 'a new standby after the promotion',
        timeoutMs: 30_000,
      });
    } finally {
      await service.stop();
    }
    expect(processes()).toEqual([]);
  });

  it('reports the output of an entry that fails to start', async () => {
    const error = await startServiceProcess({
      entry: fileURLToPath(new URL('./fixtures/does-not-exist.ts', import.meta.url)),
    }).catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/exited during startup[\s\S]*does-not-exist/);
  });
});

describe('when the test process dies', () => {
  it('the restate-server, its temp folder and service processes go with it', async () => {
    const preload = fileURLToPath(new URL('../src/service-process-preload.ts', import.meta.url));
    const parentEntry = fileURLToPath(new URL('./fixtures/orphaning-parent.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', preload, parentEntry], {
      env: { ...process.env, SERVICE_ENTRY: crashingService },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const report = await new Promise<{ baseDir: string; servicePort: number }>(
      (resolve, reject) => {
        let text = '';
        parent.stdout?.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          const line = text.split('\n').find((candidate) => candidate.startsWith('{'));
          if (line !== undefined)
            resolve(JSON.parse(line) as { baseDir: string; servicePort: number });
        });
        parent.once('exit', (code) => reject(new Error(`parent exited early with ${code}`)));
      },
    );
    expect(processesMatching(report.baseDir).length).toBeGreaterThan(0);
    expect(await portAcceptsConnections(report.servicePort)).toBe(true);

    parent.kill('SIGKILL');

    await pollUntil(
      async () =>
        processesMatching(report.baseDir).length === 0 &&
        !pathExists(report.baseDir) &&
        !(await portAcceptsConnections(report.servicePort))
          ? true
          : undefined,
      { description: 'the orphaned server and service process to go away', timeoutMs: 10_000 },
    );
  });
});
