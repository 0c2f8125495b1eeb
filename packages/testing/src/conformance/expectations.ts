/** Assertions shared by the scenarios; runner-agnostic (`node:assert`), with messages that explain. */
import assert from 'node:assert/strict';
import { InvocationFailedError } from '../invocation-failed-error.js';
import type { MockRequestRecord } from '../mock-model/types.js';
import type { Ledger } from './ledger.js';

/** Every turn of the conversation was asked of the model exactly once: nothing completed was paid twice. */
export function assertEachTurnRequestedOnce(
  requests: readonly MockRequestRecord[],
  turns: number,
): void {
  const counts = new Map<number, number>();
  for (const request of requests)
    counts.set(request.turnIndex, (counts.get(request.turnIndex) ?? 0) + 1);
  const expected = new Map(Array.from({ length: turns }, (_, turn) => [turn, 1] as const));
  assert.deepEqual(
    counts,
    expected,
    `each of the ${turns} model turns should be requested exactly once; requests per turn were ` +
      JSON.stringify([...counts]),
  );
}

/** The ids the `record` tool sent to the ledger for `session`, in order. */
export function recordedIds(ledger: Ledger, session: string): string[] {
  return ledger.entries({ kind: 'record', session }).map((entry) => String(entry.body.id));
}

/** Waits for the invocation to fail and returns the failure. */
export async function expectInvocationFailure(
  result: Promise<unknown>,
): Promise<InvocationFailedError> {
  try {
    const value = await result;
    assert.fail(`the invocation should have failed, but it returned ${JSON.stringify(value)}`);
  } catch (error) {
    if (!InvocationFailedError.isInstance(error)) throw error;
    return error;
  }
}

/** The text of the last tool result in a request's history. */
export function lastToolResult(request: MockRequestRecord | undefined): string | undefined {
  return request?.lastToolResult;
}
