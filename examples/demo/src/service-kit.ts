/**
 * The few lines every demo service shares: reporting side effects and timeline events to the demo's
 * ledger, and knowing whether a step ran or came from the journal.
 */
import { DEMO_ENV, type DemoEvent } from './contract.ts';

const ledgerUrl = (): string => process.env[DEMO_ENV.ledgerUrl] ?? '';

/** Records a side effect in the ledger (call it inside a durable step: that is what makes it once). */
export async function recordSideEffect(
  kind: string,
  details: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${ledgerUrl()}/side-effect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind, ...details }),
  });
  if (!response.ok) throw new Error(`The ledger answered ${response.status}`);
}

/** Publishes a pending approval (its awakeable id) where the demo's "human" will find it. */
export async function announceApproval(approvalId: string, details: unknown): Promise<void> {
  const response = await fetch(`${ledgerUrl()}/approval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ approvalId, details }),
  });
  if (!response.ok) throw new Error(`The ledger answered ${response.status}`);
}

/** Tells the demo's timeline about a step; best effort, never fails the agent. */
export function reportEvent(event: DemoEvent): void {
  fetch(`${ledgerUrl()}/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  }).catch(() => undefined);
}

/**
 * Wraps a durable step so the timeline shows whether it ran (and how long) or was replayed: `run`
 * receives a `ran()` callback to call inside the step's action.
 */
export async function timedStep<T>(
  kind: DemoEvent['kind'],
  name: string,
  run: (ran: () => void) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let didRun = false;
  const result = await run(() => {
    didRun = true;
  });
  reportEvent(
    didRun
      ? { kind, name, ms: Math.round(performance.now() - started), replayed: false }
      : { kind, name, replayed: true },
  );
  return result;
}
