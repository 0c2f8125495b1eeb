import { describe, expect, it } from 'vitest';
import { createJournalSerde, journalSerde } from './journal-serde.js';

const roundTrip = <T>(value: T, serde = journalSerde): unknown =>
  serde.deserialize(serde.serialize(value));

describe('journalSerde', () => {
  it('round-trips what JSON loses', () => {
    const value = {
      createdAt: new Date('2026-11-27T10:00:00.123Z'),
      image: new Uint8Array([0, 1, 2, 255]),
      url: new URL('https://example.com/a?b=c'),
      missing: undefined,
      list: [1, undefined, 3],
      big: 12345678901234567890n,
      notANumber: Number.NaN,
      infinite: Number.NEGATIVE_INFINITY,
      map: new Map<string, unknown>([['k', new Date(0)]]),
      set: new Set([1, 2]),
      nested: { deeper: { at: new Date(1) } },
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(back.createdAt).toBeInstanceOf(Date);
    expect(back.image).toBeInstanceOf(Uint8Array);
    expect(back.url).toBeInstanceOf(URL);
    expect('missing' in back).toBe(true);
    expect(back.list).toHaveLength(3);
    expect(typeof back.big).toBe('bigint');
  });

  it('round-trips top-level undefined (a void step)', () => {
    expect(roundTrip(undefined)).toBeUndefined();
    expect(journalSerde.deserialize(new Uint8Array())).toBeUndefined();
  });

  it('keeps objects that use the tag property themselves', () => {
    const value = { $ra: 'date', v: 'not a date', other: [{ $ra: 'x' }] };
    expect(roundTrip(value)).toEqual(value);
  });

  it('keeps errors with name, message and fields', () => {
    const error = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    const back = roundTrip(error) as Error & { code: string };
    expect(back).toBeInstanceOf(Error);
    expect(back.name).toBe('TypeError');
    expect(back.message).toBe('bad');
    expect(back.code).toBe('E_BAD');
  });

  it('drops omitted fields at any depth', () => {
    const serde = createJournalSerde({ omit: ['rawResponse', 'body'] });
    const value = {
      text: 'hi',
      rawResponse: { huge: 'x'.repeat(1000) },
      response: { id: 'r1', body: '...' },
    };
    const bytes = serde.serialize(value);
    expect(bytes.byteLength).toBeLessThan(100);
    expect(serde.deserialize(bytes)).toEqual({ text: 'hi', response: { id: 'r1' } });
  });

  it('uses toJSON of class instances and rejects cycles with a clear error', () => {
    class Money {
      toJSON() {
        return { cents: 5 };
      }
    }
    expect(roundTrip({ price: new Money() })).toEqual({ price: { cents: 5 } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => journalSerde.serialize(cyclic)).toThrow(/circular/);
  });

  it('writes the tag format journals already hold, byte for byte (old entries read, new ones the same)', () => {
    class Money {
      toJSON() {
        return { cents: 5, at: new Date(0) };
      }
    }
    const value = {
      text: 'hi',
      at: new Date('2026-11-27T10:00:00.123Z'),
      missing: undefined,
      list: [1, undefined, Number.NaN],
      big: 12n,
      bytes: Buffer.from('hey'),
      url: new URL('https://example.com/a'),
      map: new Map([['k', new Set([new Date(1)])]]),
      own: { $ra: 'date', v: 'not a date' },
      price: new Money(),
      error: Object.assign(new RangeError('bad'), { at: new Date(2) }),
    };
    const text = new TextDecoder().decode(journalSerde.serialize(value));
    expect(text).toBe(
      '{"text":"hi","at":{"$ra":"date","v":"2026-11-27T10:00:00.123Z"},"missing":{"$ra":"undefined"},' +
        '"list":[1,{"$ra":"undefined"},{"$ra":"number","v":"NaN"}],"big":{"$ra":"bigint","v":"12"},' +
        '"bytes":{"$ra":"bytes","v":"aGV5"},"url":{"$ra":"url","v":"https://example.com/a"},' +
        '"map":{"$ra":"map","v":[["k",{"$ra":"set","v":[{"$ra":"date","v":"1970-01-01T00:00:00.001Z"}]}]]},' +
        '"own":{"$ra":"object","v":{"$ra":"date","v":"not a date"}},' +
        '"price":{"cents":5,"at":{"$ra":"date","v":"1970-01-01T00:00:00.000Z"}},' +
        '"error":{"$ra":"error","v":{"name":"RangeError","message":"bad","props":{"at":{"$ra":"date","v":"1970-01-01T00:00:00.002Z"}}}}}',
    );
    expect(roundTrip(value)).toEqual({
      ...value,
      bytes: new Uint8Array(Buffer.from('hey')),
      price: { cents: 5, at: new Date(0) },
    });
  });

  it('is plain JSON on the wire (readable in the Restate UI)', () => {
    const text = new TextDecoder().decode(journalSerde.serialize({ a: 1, b: 'two' }));
    expect(JSON.parse(text)).toEqual({ a: 1, b: 'two' });
  });
});
