/**
 * A tiny bench run (K = 2/4/8, one repetition): no absolute times are asserted, only that every ratio the
 * report promises is there and that the journals of our integrations grow linearly with the steps while
 * the official middleware's, which keeps the whole prompt of every call, grows faster.
 */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/report.ts';
import { runBench } from '../src/run-bench.ts';

describe('bench smoke run', () => {
  it('reports every ratio, and journal bytes grow linearly for our integrations', async () => {
    const results = await runBench({
      ks: [2, 4, 8],
      sizes: ['short'],
      reps: 1,
      warmup: 0,
      replayKs: [4],
      replayReps: 1,
      // The LangChain and LangGraph configurations load their SDKs in the service too, which takes longer
      // than the whole run on 2 busy cores; `pnpm bench` runs them (docs/benchmarks.md).
      configs: ['raw', 'official', 'ai-sdk', 'core', 'hand-ai-sdk', 'hand-openai'],
    });
    const configs = results.configs.map((config) => config.id);
    expect(configs).toEqual(expect.arrayContaining(['raw', 'official', 'core']));
    for (const item of results.cases) {
      expect(Number.isFinite(item.overheadVsRaw)).toBe(true);
      expect(item.wallVsOfficial).toBeGreaterThan(0);
      expect(item.bytesVsOfficial).toBeGreaterThan(0);
      expect(item.journalBytes).toBeGreaterThan(0);
    }
    for (const item of results.growth.filter((entry) => entry.config !== 'official')) {
      expect(item.bytesVsLinear).toBeLessThan(1.25);
    }
    const official = results.growth.filter((entry) => entry.config === 'official');
    expect(official.at(-1)?.bytesVsLinear).toBeGreaterThan(1.1);
    for (const replay of results.replay) {
      expect(replay.modelRequestsRepeated).toBe(0);
      expect(replay.replayVsOriginal).toBeGreaterThan(0);
    }
    expect(results.targets.length).toBeGreaterThan(0);
    // Every adapter with a hand-wired ctx.run loop is measured against it.
    expect(configs).toEqual(expect.arrayContaining(['hand-openai']));
    expect(
      results.targets.filter(
        (target) => target.config === 'core' && target.target.includes('hand-wired'),
      ),
    ).toHaveLength(3);
    expect(renderMarkdown(results)).toContain('| 8 |');
  }, 180_000);
});
