/**
 * A tiny time-to-first-token run (one timed run per path, a fast scripted model): both paths stream the whole
 * scripted answer, every figure the report promises is there. No absolute time is asserted.
 */
import { expect, it } from 'vitest';
import { renderTtftMarkdown, runTtftBench } from '../src/ttft.ts';

it('ttft smoke run: the live path and the model’s own stream both deliver the answer, timed', async () => {
  const results = await runTtftBench({ reps: 1, warmup: 0, firstTokenMs: 50, chunkDelayMs: 5 });
  for (const path of [results.direct, results.live]) {
    expect(path.runs).toBe(1);
    expect(path.ttftMs.median).toBeGreaterThan(50);
    expect(path.piecesPerSecond.median).toBeGreaterThan(0);
  }
  expect(results.ttftRatio).toBeGreaterThan(0);
  expect(results.target.limit).toBe('≤ 1.25');
  expect(renderTtftMarkdown(results)).toContain('TTFT ratio live ÷ direct');
}, 120_000);
