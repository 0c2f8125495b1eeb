import { describe, expect, it } from 'vitest';
import { RepeatingFailureError } from './errors/repeating-failure-error.js';
import { isLive, liveOnly } from './live-callbacks.js';

describe('liveOnly', () => {
  it('runs the callback only while the handler is live, never while it replays', async () => {
    let processing = false;
    const ctx = { isProcessing: () => processing } as never;
    const seen: number[] = [];
    const record = liveOnly(ctx, (n: number) => seen.push(n));
    await record(1); // replaying
    processing = true;
    await record(2); // live
    expect(seen).toEqual([2]);
    expect(isLive(ctx)).toBe(true);
  });

  it('refuses an object that is not a running handler context, naming what it needs', () => {
    let thrown: unknown;
    try {
      isLive({} as never);
    } catch (error) {
      thrown = error;
    }
    expect(RepeatingFailureError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(
      /isLive needs the Restate context of a running handler/,
    );
  });
});
