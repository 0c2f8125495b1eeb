/**
 * Reads a UI message stream answer (SSE) into frames with their offsets (`id:` lines). No dependency: this
 * module runs in the browser.
 */

/** One event of the stream: `offset` from its `id:` line (if any), `data` as sent. */
export interface SseFrame {
  offset?: number;
  data: string;
}

/** Splits an SSE byte stream into events (`id:` and `data:` fields; comments and other fields ignored). */
export async function* readSseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.search(/\r?\n\r?\n/);
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer[end] === '\r' ? 4 : 2));
        const frame = parseBlock(block);
        if (frame) yield frame;
        end = buffer.search(/\r?\n\r?\n/);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseBlock(block: string): SseFrame | undefined {
  let offset: number | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id' && /^\d+$/.test(value)) offset = Number(value);
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { ...(offset !== undefined && { offset }), data: data.join('\n') };
}
