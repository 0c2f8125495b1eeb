import { describe, expect, it } from 'vitest';
import { brand, hasBrand, isDurable, markDurable } from './brand.js';

describe('brand / markDurable', () => {
  it('marks a wrapped model so a second wrapper recognises it, whichever came first', () => {
    const model = { doGenerate: () => 1 };
    expect(isDurable(model)).toBe(false);
    expect(markDurable(model, 'model')).toBe(model);
    expect(isDurable(model)).toBe(true);
    expect(isDurable(model, 'model')).toBe(true);
    expect(isDurable(model, 'tool')).toBe(false);
  });

  it('is invisible to spreads, keys and JSON', () => {
    const tool = markDurable({ name: 't' }, 'tool');
    expect(Object.keys(tool)).toEqual(['name']);
    expect(JSON.stringify(tool)).toBe('{"name":"t"}');
    expect(isDurable({ ...tool })).toBe(false);
  });

  it('keeps several brands and works on functions and frozen objects', () => {
    const fn = () => 1;
    brand(fn, 'a');
    brand(fn, 'b');
    expect(hasBrand(fn, 'a') && hasBrand(fn, 'b')).toBe(true);
    const frozen = Object.freeze({ x: 1 });
    markDurable(frozen, 'tool');
    expect(isDurable(frozen, 'tool')).toBe(true);
    expect(hasBrand(null, 'a')).toBe(false);
    expect(hasBrand('text', 'a')).toBe(false);
  });

  it('is shared across copies of the package (a registry symbol)', () => {
    const target = {};
    Object.defineProperty(target, Symbol.for('restate-agents.brands'), {
      value: new Set(['durable:model']),
    });
    expect(isDurable(target, 'model')).toBe(true);
  });
});
