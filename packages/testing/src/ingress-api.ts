import { InvocationFailedError } from './invocation-failed-error.js';

// Raw HTTP calls to Restate's ingress (port 8080) that the typed client does not cover by id.

/** A handler to invoke: `key` is required for virtual objects and workflows. */
export interface InvocationTarget {
  service: string;
  handler: string;
  key?: string;
}

/** Options for a one-way send. */
export interface SendOptions {
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

/** Starts an invocation without waiting for it (`POST /Svc[/key]/handler/send`) and returns its id. */
export async function sendInvocation(
  ingressUrl: string,
  target: InvocationTarget,
  input?: unknown,
  options: SendOptions = {},
): Promise<{ invocationId: string }> {
  const path = [target.service, target.key, target.handler]
    .filter((part): part is string => part !== undefined)
    .map(encodeURIComponent)
    .join('/');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...options.headers,
  };
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const response = await fetch(`${ingressUrl}/${path}/send`, {
    method: 'POST',
    headers,
    body: input === undefined ? undefined : JSON.stringify(input),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Sending to /${path} failed (${response.status}): ${text}`);
  return { invocationId: (JSON.parse(text) as { invocationId: string }).invocationId };
}

/**
 * Waits for an invocation's result (`GET /restate/invocation/{id}/attach`); a failed invocation
 * rejects with an {@link InvocationFailedError}.
 */
export async function attachInvocation<T>(
  ingressUrl: string,
  invocationId: string,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let response: Response;
  try {
    response = await fetch(
      `${ingressUrl}/restate/invocation/${encodeURIComponent(invocationId)}/attach`,
      { signal: AbortSignal.timeout(timeoutMs) },
    );
  } catch (error) {
    if ((error as { name?: unknown }).name === 'TimeoutError') {
      throw new Error(`Invocation ${invocationId} did not complete within ${timeoutMs} ms`, {
        cause: error,
      });
    }
    throw error;
  }
  const text = await response.text();
  if (!response.ok) {
    // Failures come back as {"code":409,"message":"Cancelled","source":"invocation"}.
    const failure = parseFailure(text);
    throw new InvocationFailedError({
      code: failure?.code ?? response.status,
      message: failure?.message ?? text,
      invocationId,
    });
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function parseFailure(text: string): { code: number; message: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof parsed.message !== 'string') return undefined;
    return { code: Number(parsed.code), message: parsed.message };
  } catch {
    return undefined;
  }
}

/** Completes an awakeable with a JSON payload (`POST /restate/awakeables/{id}/resolve`). */
export async function resolveAwakeable(
  ingressUrl: string,
  awakeableId: string,
  payload?: unknown,
): Promise<void> {
  await completeAwakeable(ingressUrl, awakeableId, 'resolve', {
    headers: { 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
}

/** Fails an awakeable; the awaiting handler sees a `TerminalError` with `reason` as message. */
export async function rejectAwakeable(
  ingressUrl: string,
  awakeableId: string,
  reason: string,
): Promise<void> {
  await completeAwakeable(ingressUrl, awakeableId, 'reject', {
    headers: { 'content-type': 'text/plain' },
    body: reason,
  });
}

async function completeAwakeable(
  ingressUrl: string,
  awakeableId: string,
  action: 'resolve' | 'reject',
  init: { headers: Record<string, string>; body: string | undefined },
): Promise<void> {
  const response = await fetch(
    `${ingressUrl}/restate/awakeables/${encodeURIComponent(awakeableId)}/${action}`,
    { method: 'POST', ...init },
  );
  if (!response.ok) {
    throw new Error(
      `${action} awakeable ${awakeableId} failed (${response.status}): ${await response.text()}`,
    );
  }
}
