import { describe, expect, it } from 'vitest';
import { readSseFrames, type SseFrame } from './sse-frames.js';

/** A body that arrives in the given pieces, as a network would cut it. */
function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function frames(stream: ReadableStream<Uint8Array>): Promise<SseFrame[]> {
  const out: SseFrame[] = [];
  for await (const frame of readSseFrames(stream)) out.push(frame);
  return out;
}

describe('readSseFrames (live client)', () => {
  it('reads id and data across arbitrary cuts, skipping comments', async () => {
    expect(
      await frames(
        body(
          'id: 4\ndata: {"type":"st',
          'art"}\n\n: keep-alive\n\nid: 5\r\ndata: {"type":"text-delta"}\r\n\r\n',
          'data: [DONE]\n\n',
        ),
      ),
    ).toEqual([
      { offset: 4, data: '{"type":"start"}' },
      { offset: 5, data: '{"type":"text-delta"}' },
      { data: '[DONE]' },
    ]);
  });

  it('joins multi-line data and ignores an incomplete last event', async () => {
    expect(await frames(body('data: a\ndata: b\n\nid: 9\ndata: cut'))).toEqual([{ data: 'a\nb' }]);
  });
});
