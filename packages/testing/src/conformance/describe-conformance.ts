/**
 * The vitest face of the conformance suite: one `describe` per mode, one test per scenario, one harness
 * (restate-server, model server, ledger, service process) per mode. Failures print the service output and
 * the server log. Scenarios run concurrently except those marked `exclusive` (they kill the service).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ConformanceDriver, ConformanceMode } from './driver.js';
import { type ConformanceHarness, startConformanceHarness } from './harness.js';
import { conformanceScenarios, type ScenarioName } from './scenarios/index.js';

/** Options of {@link describeConformance}. */
export interface DescribeConformanceOptions {
  /** Default both: `['normal', 'always-replay']`. */
  modes?: readonly ConformanceMode[];
  /** Run only these scenarios (while developing a driver). */
  only?: readonly ScenarioName[];
}

/**
 * Registers the conformance suite for `driver` with vitest.
 *
 * @example
 * // packages/<adapter>/test/conformance.test.ts
 * describeConformance({ name: 'my-sdk', serviceEntry: fileURLToPath(new URL('./driver.ts', import.meta.url)) });
 */
// Every harness this test file will need, in the order its describes run (describeConformance is called
// at collection time, before any of them runs): each one is started when the one before it starts.
interface PlannedHarness {
  driver: ConformanceDriver;
  mode: ConformanceMode;
  harness?: Promise<ConformanceHarness>;
}
const plan: PlannedHarness[] = [];

function startPlanned(
  planned: PlannedHarness | undefined,
): Promise<ConformanceHarness> | undefined {
  if (planned === undefined) return undefined;
  if (planned.harness === undefined) {
    planned.harness = startConformanceHarness(planned.driver, planned.mode);
    // Awaited by the mode's beforeAll; a failure to start is reported there, not as an unhandled rejection.
    planned.harness.catch(() => undefined);
  }
  return planned.harness;
}

async function stopPlanned(planned: PlannedHarness): Promise<void> {
  const harness = planned.harness;
  planned.harness = undefined;
  await (await harness?.catch(() => undefined))?.stop();
}

export function describeConformance(
  driver: ConformanceDriver,
  options: DescribeConformanceOptions = {},
): void {
  const modes = options.modes ?? ['normal', 'always-replay'];
  const mine = modes.map((mode) => {
    const planned: PlannedHarness = { driver, mode };
    plan.push(planned);
    return planned;
  });
  // The next harness boots (restate-server, the SDK's service process: seconds, mostly waiting) while this
  // one's scenarios run. One that never ran (its describe filtered out) is stopped at the end of the file.
  afterAll(async () => {
    for (const planned of mine) await stopPlanned(planned);
  }, 60_000);
  for (const planned of mine) {
    const { mode } = planned;
    describe(`${driver.name} conformance (${mode})`, () => {
      let harness: ConformanceHarness | undefined;
      beforeAll(async () => {
        const starting = startPlanned(planned);
        // Not awaited: the next harness boots in the background (its describe awaits it).
        void startPlanned(plan[plan.indexOf(planned) + 1]);
        harness = await starting;
      }, 120_000);
      afterAll(async () => {
        await stopPlanned(planned);
      }, 60_000);
      // The scenarios that leave the service alone first, side by side, then those that kill it (crash-mid-loop),
      // one at a time: vitest runs neighbouring concurrent tests together, so one group rather than two around
      // the kill, and the warm standby the kill restarts from has loaded meanwhile.
      const ordered = [
        ...conformanceScenarios.filter((scenario) => !scenario.exclusive),
        ...conformanceScenarios.filter((scenario) => scenario.exclusive),
      ];
      for (const scenario of ordered) {
        if (options.only && !options.only.includes(scenario.name)) continue;
        const reason = driver.skip?.[scenario.name];
        if (reason !== undefined) {
          it.skip(`${scenario.name}: ${scenario.title} (skipped: ${reason})`, () => undefined);
          continue;
        }
        // Scenarios that leave the service process alone run side by side on their own keys; one that
        // kills it (crash-mid-loop) runs on its own, after they all ended.
        const register = scenario.exclusive ? it : it.concurrent;
        register(
          `${scenario.name}: ${scenario.title}`,
          async ({ onTestFailed }) => {
            if (!harness) throw new Error('the conformance harness did not start');
            const running = harness;
            onTestFailed(() => {
              // biome-ignore lint/suspicious/noConsole: the failure report is for the person reading the test run.
              console.error(
                `[${driver.name} ${mode}] ${scenario.name} failed\n${running.diagnostics()}`,
              );
            });
            if (!running.service.running) await running.service.restart();
            await scenario.run(running.scenario(scenario.name));
          },
          60_000,
        );
      }
    });
  }
}
