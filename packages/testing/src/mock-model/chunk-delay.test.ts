import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MockModelServer } from './mock-model-server.js';
import { startMockModel } from './mock-model-server.js';

let mock: MockModelServer;

beforeAll(async () => {
  mock = await startMockModel();
});

afterAll(async () => {
  await mock.close();
});

it('chunkDelayMs spaces the streamed deltas in time, and the text is unchanged', async () => {
  const text = 'one two three four five six seven eight nine ten';
  mock.conversation('slow-stream', [{ text, chunkDelayMs: 30 }]);
  const client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'slow-stream',
    messages: [{ role: 'user', content: 'count' }],
    stream: true,
  });
  const arrivals: number[] = [];
  let received = '';
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content;
    if (delta) {
      arrivals.push(Date.now());
      received += delta;
    }
  }
  expect(received).toBe(text);
  expect(arrivals.length).toBeGreaterThan(5);
  // Each event waits 30 ms after the previous one, so the deltas span at least (n - 1) × 30 ms.
  expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(
    (arrivals.length - 1) * 30 - 10,
  );
});
