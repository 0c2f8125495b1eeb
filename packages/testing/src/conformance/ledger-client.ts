import { CONFORMANCE_ENV } from './contract.js';

/**
 * Posts one entry to the conformance ledger (`POST <ledger>/<kind>`), from inside a conformance service.
 * Call it inside a durable step: that is what makes the side effect happen once.
 */
export async function postToLedger(
  kind: string,
  body: Record<string, unknown>,
  ledgerUrl: string = process.env[CONFORMANCE_ENV.ledgerUrl] ?? '',
): Promise<void> {
  if (ledgerUrl === '') {
    throw new Error(
      `postToLedger: ${CONFORMANCE_ENV.ledgerUrl} is not set; is this a conformance service process?`,
    );
  }
  const response = await fetch(`${ledgerUrl}/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`The ledger answered ${response.status} to ${kind}`);
}
