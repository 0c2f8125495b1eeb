// Thin wrappers over Restate's admin API (port 9070): registration, invocation control and the SQL
// introspection tables. Column names verified against restate-server 1.7.12.

/** Where an invocation is in its lifecycle, as the `status` column of `sys_invocation` spells it. */
export type InvocationStatusName =
  | 'pending'
  | 'scheduled'
  | 'ready'
  | 'running'
  | 'backing-off'
  | 'suspended'
  | 'paused'
  | 'completed';

/** One row of `sys_invocation`, in camelCase; the untouched row is in `row`. */
export interface InvocationStatus {
  id: string;
  /** `Service/handler` or `Object/key/handler`. */
  target: string;
  serviceName: string;
  handlerName: string;
  serviceKey: string | undefined;
  status: InvocationStatusName;
  /** `success` or `failure` once completed. */
  completionResult: 'success' | 'failure' | undefined;
  /** For a failed completion, e.g. `[409] killed`. */
  completionFailure: string | undefined;
  /** Attempts that failed and were retried so far (0 when absent). */
  retryCount: number;
  /** The last attempt's error message with stack, e.g. `[500 Internal] boom\nError: boom ...`. */
  lastFailure: string | undefined;
  /** Restate's error code for the last failure, e.g. `RT0007` (handler threw a retryable error). */
  lastFailureErrorCode: string | undefined;
  /** Journal entries, commands and notifications together. */
  journalSize: number;
  journalCommandsSize: number;
  idempotencyKey: string | undefined;
  pinnedDeploymentId: string | undefined;
  createdAt: string;
  modifiedAt: string;
  row: Record<string, unknown>;
}

/** One row of `sys_journal`, in camelCase. */
export interface JournalEntry {
  index: number;
  /** As the server spells it: `Command: Run`, `Notification: Run`, `Command: Input`, … */
  entryType: string;
  /** `command`, `notification` or `event` (journal v2); `entry` for v1 journals. */
  kind: 'command' | 'notification' | 'event' | 'entry';
  /** The part after the colon: `Run`, `Input`, `Output`, `Sleep`, `Call`, … */
  type: string;
  /** The name given to the command (`ctx.run(name, …)`); undefined when empty. */
  name: string | undefined;
  /** Size of the stored entry in bytes (protobuf-encoded, includes the payload). */
  rawLength: number;
  /** Links a command to the notification that completes it. */
  completionId: number | undefined;
  /** Commands with a completion id: whether the completing notification is in the journal. */
  completed: boolean | undefined;
  /** Commands: `rawLength` of their completing notification, i.e. roughly the journaled result size. */
  resultLength: number | undefined;
  /** Notifications: `Success` or `Failure`. */
  result: string | undefined;
  appendedAt: string | undefined;
}

/** Runs a SQL query against the admin API's introspection tables and returns the rows as JSON. */
export async function queryAdmin<T = Record<string, unknown>>(
  adminUrl: string,
  sql: string,
): Promise<T[]> {
  const response = await fetch(`${adminUrl}/query`, {
    method: 'POST',
    // Without `accept: application/json` the endpoint answers in Arrow IPC.
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: sql }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Query failed (${response.status}): ${text}\n${sql}`);
  return (JSON.parse(text) as { rows: T[] }).rows;
}

/** Quotes a value as a SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Reads one invocation's status; `undefined` when the server does not know (yet) the id. */
export async function readInvocation(
  adminUrl: string,
  invocationId: string,
): Promise<InvocationStatus | undefined> {
  const rows = await queryAdmin(
    adminUrl,
    `SELECT * FROM sys_invocation WHERE id = ${sqlString(invocationId)}`,
  );
  const row = rows[0];
  return row === undefined ? undefined : toInvocationStatus(row);
}

function toInvocationStatus(row: Record<string, unknown>): InvocationStatus {
  // Absent (null) columns are left out of the JSON rows.
  const text = (column: string): string | undefined =>
    typeof row[column] === 'string' ? (row[column] as string) : undefined;
  const number = (column: string): number => Number(row[column] ?? 0);
  return {
    id: String(row.id),
    target: String(row.target),
    serviceName: String(row.target_service_name),
    handlerName: String(row.target_handler_name),
    serviceKey: text('target_service_key'),
    status: String(row.status) as InvocationStatusName,
    completionResult: text('completion_result') as InvocationStatus['completionResult'],
    completionFailure: text('completion_failure'),
    retryCount: number('retry_count'),
    lastFailure: text('last_failure'),
    lastFailureErrorCode: text('last_failure_error_code'),
    journalSize: number('journal_size'),
    journalCommandsSize: number('journal_commands_size'),
    idempotencyKey: text('idempotency_key'),
    pinnedDeploymentId: text('pinned_deployment_id'),
    createdAt: String(row.created_at),
    modifiedAt: String(row.modified_at),
    row,
  };
}

interface JournalRow {
  index: number;
  entry_type: string;
  name?: string;
  raw_length: number;
  appended_at?: string;
  entry_lite_json?: string;
}

/** Reads an invocation's journal in order, pairing each command with its completing notification. */
export async function readJournal(adminUrl: string, invocationId: string): Promise<JournalEntry[]> {
  // `raw` and `entry_json` carry the payloads; the lite JSON has the completion ids without them.
  const rows = await queryAdmin<JournalRow>(
    adminUrl,
    `SELECT index, entry_type, name, raw_length, appended_at, entry_lite_json FROM sys_journal WHERE id = ${sqlString(invocationId)} ORDER BY index`,
  );
  const entries = rows.map(toJournalEntry);
  const notifications = new Map<number, JournalEntry>();
  for (const entry of entries) {
    if (entry.kind === 'notification' && entry.completionId !== undefined) {
      notifications.set(entry.completionId, entry);
    }
  }
  for (const entry of entries) {
    if (entry.kind !== 'command' || entry.completionId === undefined) continue;
    const notification = notifications.get(entry.completionId);
    entry.completed = notification !== undefined;
    entry.resultLength = notification?.rawLength;
  }
  return entries;
}

function toJournalEntry(row: JournalRow): JournalEntry {
  const separator = row.entry_type.indexOf(': ');
  const prefix = separator === -1 ? '' : row.entry_type.slice(0, separator).toLowerCase();
  const kind =
    prefix === 'command' || prefix === 'notification' || prefix === 'event' ? prefix : 'entry';
  const lite = parseLiteJson(row.entry_lite_json);
  return {
    index: Number(row.index),
    entryType: row.entry_type,
    kind,
    type: separator === -1 ? row.entry_type : row.entry_type.slice(separator + 2),
    name: row.name === undefined || row.name === '' ? undefined : row.name,
    rawLength: Number(row.raw_length),
    completionId: lite.completionId,
    completed: undefined,
    resultLength: undefined,
    result: lite.result,
    appendedAt: row.appended_at,
  };
}

// Shapes seen on 1.7.12:
//   {"Command":{"Run":{"completion_id":1,"name":"first"}}}
//   {"Notification":{"ty":{"Completion":"Run"},"id":{"CompletionId":1},"result":"Success"}}
function parseLiteJson(json: string | undefined): {
  completionId: number | undefined;
  result: string | undefined;
} {
  if (json === undefined) return { completionId: undefined, result: undefined };
  try {
    const parsed = JSON.parse(json) as {
      Command?: Record<string, { completion_id?: number } | undefined>;
      Notification?: { id?: { CompletionId?: number }; result?: unknown };
    };
    if (parsed.Notification !== undefined) {
      const result = parsed.Notification.result;
      return {
        completionId: parsed.Notification.id?.CompletionId,
        result: typeof result === 'string' ? result : undefined,
      };
    }
    const command = Object.values(parsed.Command ?? {})[0];
    return { completionId: command?.completion_id, result: undefined };
  } catch {
    return { completionId: undefined, result: undefined };
  }
}

/** Sum of `raw_length` over an invocation's journal: what it costs in storage. */
export async function readJournalBytes(adminUrl: string, invocationId: string): Promise<number> {
  const rows = await queryAdmin<{ bytes?: number | null }>(
    adminUrl,
    `SELECT SUM(raw_length) AS bytes FROM sys_journal WHERE id = ${sqlString(invocationId)}`,
  );
  return Number(rows[0]?.bytes ?? 0);
}

/**
 * Reads a virtual object's or workflow's state; values that are JSON are parsed, other UTF-8 values
 * are returned as strings and binary values as `Uint8Array`.
 */
export async function readState(
  adminUrl: string,
  service: string,
  key: string,
): Promise<Record<string, unknown>> {
  const rows = await queryAdmin<{ key: string; value_utf8?: string; value?: string }>(
    adminUrl,
    `SELECT key, value_utf8, value FROM state WHERE service_name = ${sqlString(service)} AND service_key = ${sqlString(key)}`,
  );
  const state: Record<string, unknown> = {};
  for (const row of rows) {
    // `value_utf8` is absent when the bytes are not UTF-8; `value` is hex.
    if (row.value_utf8 === undefined) {
      state[row.key] = new Uint8Array(Buffer.from(row.value ?? '', 'hex'));
      continue;
    }
    try {
      state[row.key] = JSON.parse(row.value_utf8);
    } catch {
      state[row.key] = row.value_utf8;
    }
  }
  return state;
}

/**
 * Registers (or re-registers, `force: true`) the service deployment at `uri`; returns the names of
 * the services it serves.
 */
export async function registerDeployment(adminUrl: string, uri: string): Promise<string[]> {
  const response = await fetch(`${adminUrl}/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uri, force: true }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Registering ${uri} failed (${response.status}): ${text}`);
  const services = (JSON.parse(text) as { services?: Array<{ name?: unknown }> }).services ?? [];
  return services.map((service) => String(service.name));
}

/** Sends `PATCH /invocations/{id}/{action}` (`cancel`, `kill`, `pause`, `resume`, `purge`). */
export async function controlInvocation(
  adminUrl: string,
  invocationId: string,
  action: 'cancel' | 'kill' | 'pause' | 'resume' | 'purge',
): Promise<void> {
  const response = await fetch(
    `${adminUrl}/invocations/${encodeURIComponent(invocationId)}/${action}`,
    { method: 'PATCH' },
  );
  if (!response.ok) {
    throw new Error(
      `${action} ${invocationId} failed (${response.status}): ${await response.text()}`,
    );
  }
}
