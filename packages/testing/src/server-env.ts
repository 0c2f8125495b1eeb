import type { StartRestateOptions } from './restate-server.js';

/**
 * The environment of one restate-server process: the caller's environment without its `RESTATE_*`
 * variables, then `serverSpecific` (ports, TMPDIR, cluster settings), the settings every server of the
 * kit shares, the test-mode switches and finally the caller's `options.env`, so that wins.
 */
export function serverEnvironment(
  options: StartRestateOptions,
  serverSpecific: Record<string, string>,
): Record<string, string> {
  const maxAttempts = options.disableRetries ? 1 : options.maxAttempts;
  return {
    ...inheritedEnvironment(),
    ...serverSpecific,
    RESTATE_DEFAULT_NUM_PARTITIONS: '1',
    RESTATE_ROCKSDB_TOTAL_MEMORY_SIZE: '32 MB',
    RESTATE_SHUTDOWN_TIMEOUT: '1s',
    // octocrab looks for a newer release on every start and logs an ERROR when there is no internet.
    RESTATE_LOG_FILTER: options.logFilter ?? 'warn,octocrab=off',
    RESTATE_LOG_DISABLE_ANSI_CODES: 'true',
    RESTATE_DISABLE_TELEMETRY: 'true',
    ...(options.alwaysReplay ? { RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT: '0s' } : {}),
    ...(options.fastRetries
      ? {
          RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL: '50ms',
          RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL: '1s',
        }
      : {}),
    ...(maxAttempts !== undefined
      ? {
          RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS: String(maxAttempts),
          RESTATE_DEFAULT_RETRY_POLICY__ON_MAX_ATTEMPTS: 'kill',
        }
      : {}),
    ...options.env,
  };
}

// The caller's own RESTATE_* variables (say, a developer's RESTATE_LOG_FILTER) would change the
// server under test; everything else (PATH, HOME, locale) passes through.
function inheritedEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('RESTATE_')) environment[name] = value;
  }
  return environment;
}

/** Throws a `TypeError` naming the option when `options` cannot make a server environment. */
export function assertServerOptions(options: StartRestateOptions): void {
  const { maxAttempts } = options;
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new TypeError(
      `startRestate: maxAttempts must be a whole number of at least 1; got ${String(maxAttempts)}`,
    );
  }
}

/** Throws unless `url` answers 2xx. */
export async function expectOk(url: string): Promise<void> {
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}
