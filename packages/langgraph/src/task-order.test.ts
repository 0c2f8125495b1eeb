import { OrderedGate } from '@restate-agents/core';
import { describe, expect, it } from 'vitest';
import { compareKeys, type TaskOrderKey } from './task-order.js';

const newGate = (concurrency: number) =>
  new OrderedGate<TaskOrderKey>({ concurrency, compare: compareKeys });

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('OrderedGate with LangGraph task keys', () => {
  it('runs tasks that arrive together by name and path, one at a time, whatever the arrival order', async () => {
    const gate = newGate(1);
    const order: string[] = [];
    let running = 0;
    const task = (id: string, name: string, path: unknown[]) =>
      gate.run(id, [name, path], async () => {
        running += 1;
        expect(running).toBe(1);
        order.push(id);
        await tick();
        running -= 1;
      });
    await Promise.all([
      task('w10', 'worker', ['__pregel_push', 10, false]),
      task('b', 'b', ['__pregel_pull', 'b']),
      task('w2', 'worker', ['__pregel_push', 2, false]),
      task('a', 'a', ['__pregel_pull', 'a']),
    ]);
    expect(order).toEqual(['a', 'b', 'w2', 'w10']);
  });

  it('keeps the slot of a task that will be retried, so no other task runs between its attempts', async () => {
    const gate = newGate(1);
    const order: string[] = [];
    let attempts = 0;
    const flaky = async (): Promise<void> => {
      try {
        await gate.run('a', ['a', []], async () => {
          attempts += 1;
          order.push(`a${attempts}`);
          if (attempts === 1) throw new Error('boom');
        });
      } catch {
        gate.willRetry('a'); // what the guarded retry policy does when LangGraph decides to retry
        await tick();
        await tick();
        await gate.run('a', ['a', []], async () => {
          attempts += 1;
          order.push(`a${attempts}`);
        });
      }
    };
    await Promise.all([flaky(), gate.run('b', ['b', []], async () => order.push('b'))]);
    expect(order).toEqual(['a1', 'a2', 'b']);
  });

  it('runs up to `concurrency` tasks at once, started in order', async () => {
    const gate = newGate(2);
    const started: string[] = [];
    let running = 0;
    let peak = 0;
    await Promise.all(
      ['c', 'a', 'b'].map((name) =>
        gate.run(name, [name, []], async () => {
          started.push(name);
          running += 1;
          peak = Math.max(peak, running);
          await tick();
          running -= 1;
        }),
      ),
    );
    expect(started).toEqual(['a', 'b', 'c']);
    expect(peak).toBe(2);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => newGate(0)).toThrow(/at least 1/);
  });

  it('compares paths element by element, numbers numerically', () => {
    expect(compareKeys(['w', ['p', 2]], ['w', ['p', 10]])).toBeLessThan(0);
    expect(compareKeys(['a', ['p', 9]], ['b', ['p', 1]])).toBeLessThan(0);
  });
});
