/**
 * Encodes one server-sent event. `event` adds the `event:` line the Responses and Anthropic
 * streams carry; Chat Completions streams send bare `data:` lines.
 */
export function sseEvent(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
}

/**
 * Splits text into at most `maxPieces` consecutive pieces of at least `minPieceLength` characters,
 * so streamed deltas really arrive in parts (clients must reassemble them) without sending one
 * event per character of an oversized reply.
 */
export function splitIntoChunks(text: string, maxPieces = 16, minPieceLength = 4): string[] {
  if (text.length === 0) {
    return [];
  }
  const pieceLength = Math.max(minPieceLength, Math.ceil(text.length / maxPieces));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += pieceLength) {
    pieces.push(text.slice(start, start + pieceLength));
  }
  return pieces;
}
