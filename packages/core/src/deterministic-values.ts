/**
 * Rule R8: ids, random numbers and timestamps an agent SDK generates must be the same on every replay,
 * or the code paths diverge and the journal mismatches. They come from the invocation's seeded random
 * source (`ctx.rand`, itself deterministic per invocation) and from journaled clock reads (`ctx.date`).
 * `ctx.rand` must be called in the same order on every replay and never inside a `ctx.run`.
 */
import type { Context } from '@restatedev/restate-sdk';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Options of {@link createIdGenerator}. */
export interface IdGeneratorOptions {
  /** Put before every id, e.g. `'msg'` (joined with {@link IdGeneratorOptions.separator}). */
  prefix?: string;
  /** Put between prefix and id; default `'-'`. */
  separator?: string;
  /** Random characters per id; default 16 (the AI SDK's default size). */
  size?: number;
}

/**
 * A replay-stable id generator (`() => string`) drawing from the invocation's seeded random source;
 * drop it in wherever an SDK accepts a `generateId`.
 */
export function createIdGenerator(ctx: Context, options: IdGeneratorOptions = {}): () => string {
  const { prefix, separator = '-', size = 16 } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, got ${size}`);
  return () => {
    let id = '';
    for (let index = 0; index < size; index++) {
      id += ALPHABET[Math.floor(ctx.rand.random() * ALPHABET.length)];
    }
    return prefix === undefined ? id : `${prefix}${separator}${id}`;
  };
}

/** A replay-stable UUID v4 string. */
export function deterministicUuid(ctx: Context): string {
  return ctx.rand.uuidv4();
}

/** The time now in milliseconds since the epoch, read once and journaled (a journal entry per call). */
export function journaledNow(ctx: Context): Promise<number> {
  return ctx.date.now();
}

/**
 * A `Date` that stays fixed on replay. Use for SDK fields like `createdAt` when they are not filled
 * inside a journaled step already (then take them from the step's result instead: it is cheaper).
 */
export async function journaledDate(ctx: Context): Promise<Date> {
  return new Date(await ctx.date.now());
}
