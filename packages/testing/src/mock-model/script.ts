import type { MockFault, MockReply, MockRequest, MockScript } from './types.js';

/** The reply a script gives a request, or why it has none. */
export type ScriptSelection =
  | { kind: 'reply'; reply: MockReply }
  | { kind: 'exhausted'; scriptedTurns: number };

/**
 * Picks the reply for a request: `script[turnIndex]` for an array, the function's answer otherwise.
 * A function's exception propagates, so the server can report it.
 */
export async function selectReply(
  script: MockScript,
  request: MockRequest,
): Promise<ScriptSelection> {
  if (Array.isArray(script)) {
    const reply = script[request.turnIndex];
    return reply === undefined
      ? { kind: 'exhausted', scriptedTurns: script.length }
      : { kind: 'reply', reply };
  }
  const reply = await script(request);
  if (reply === undefined || reply === null) {
    // Reachable from JavaScript callers, which the types do not stop.
    throw new TypeError('the script function returned no reply');
  }
  return { kind: 'reply', reply };
}

/** The fault for an attempt: `faults[attempt - 1]`, none once the faults are used up. */
export function faultForAttempt(reply: MockReply, attempt: number): MockFault | undefined {
  return reply.faults?.[attempt - 1];
}

/**
 * Counts requests per (conversation, turnIndex). Kept by the server, not derived from the request,
 * because a retry is byte-identical to the attempt before it.
 */
export class AttemptCounter {
  readonly #attempts = new Map<string, number>();

  /** Records one more request at this turn and returns its attempt number, starting at 1. */
  next(conversation: string, turnIndex: number): number {
    const key = JSON.stringify([conversation, turnIndex]);
    const attempt = (this.#attempts.get(key) ?? 0) + 1;
    this.#attempts.set(key, attempt);
    return attempt;
  }

  clear(): void {
    this.#attempts.clear();
  }
}
