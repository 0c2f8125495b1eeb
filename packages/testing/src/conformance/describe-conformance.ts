/**
 * The vitest face of the conformance suite: one `describe` per mode, one test per scenario, one harness
 * (restate-server, model server, ledger, service process) per mode. Failures print the service output and
 * the server log.
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
export function describeConformance(
  driver: ConformanceDriver,
  options: DescribeConformanceOptions = {},
): void {
  const modes = options.modes ?? ['normal', 'always-replay'];
  for (const mode of modes) {
    describe(`${driver.name} conformance (${mode})`, () => {
      let harness: ConformanceHarness | undefined;
      beforeAll(async () => {
        harness = await startConformanceHarness(driver, mode);
      }, 120_000);
      afterAll(async () => {
        await harness?.stop();
      }, 60_000);
      for (const scenario of conformanceScenarios) {
        if (options.only && !options.only.includes(scenario.name)) continue;
        const reason = driver.skip?.[scenario.name];
        if (reason !== undefined) {
          it.skip(`${scenario.name}: ${scenario.title} (skipped: ${reason})`, () => undefined);
          continue;
        }
        it(`${scenario.name}: ${scenario.title}`, async ({ onTestFailed }) => {
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
        }, 60_000);
      }
    });
  }
}
