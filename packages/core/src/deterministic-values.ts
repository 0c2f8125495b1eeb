/**
 * Rule R8: ids, random numbers and timestamps an agent SDK generates must be the same on every replay,
 * or the code paths diverge and the journal mismatches. Ids come from one source, `idSource(ctx)`, seeded
 * by the invocation id from the journal; timestamps from journaled clock reads (`ctx.date`).
 */
import { hash } from 'node:crypto';
import type { Context } from '@restatedev/restate-sdk';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Options of {@link IdSource.generator} and {@link createIdGenerator}. */
export interface IdGeneratorOptions {
  /** Put before every id, e.g. `'msg'` (joined with {@link IdGeneratorOptions.separator}). */
  prefix?: string;
  /** Put between prefix and id; default `'-'`. */
  separator?: string;
  /** Random characters per id; default 16 (the AI SDK's default size). */
  size?: number;
  /**
   * Ids of one scope are numbered together; default the prefix (or `'id'`). Give each independent consumer
   * its own scope (a graph node's name, `'trace'`), so the ids of one never depend on how many the other
   * drew first.
   */
  scope?: string;
}

/**
 * The invocation's one replay-stable id source: every id is derived from the invocation id (the same on
 * every attempt and replay, taken from the journal's start) plus a scope and a counter, hashed. Nothing is
 * drawn from `ctx.rand`, so adding an id consumer never shifts anyone else's random numbers, and ids of one
 * scope do not depend on how many ids another scope used.
 */
export interface IdSource {
  /** A replay-stable UUID (version-4 layout), the `n`-th of `scope` (default `'uuid'`). */
  uuid(scope?: string): string;
  /** A replay-stable id of `size` alphanumeric characters, with the optional prefix. */
  id(options?: IdGeneratorOptions): string;
  /** A `() => string` for SDK hooks such as `generateId`, drawing from this source. */
  generator(options?: IdGeneratorOptions): () => string;
}

/**
 * One source per invocation attempt, keyed by the attempt's request object (`ctx.request()`): the same for
 * the context and any wrapper of it, so two callers in one attempt never restart a counter (duplicate ids),
 * and new on every attempt, so counters restart on replay (the same ids again).
 */
const sources = new WeakMap<object, IdSource>();

/**
 * The invocation's {@link IdSource} (the same object for the same `ctx`).
 *
 * @example
 * const ids = idSource(ctx);
 * message.id = `msg-${ids.uuid('messages')}`;
 * generateText({ ..., _internal: { generateId: ids.generator({ prefix: 'aitxt', size: 24 }) } });
 */
export function idSource(ctx: Context): IdSource {
  const request = ctx.request();
  let source = sources.get(request);
  if (!source) {
    source = createIdSource(request.id);
    sources.set(request, source);
  }
  return source;
}

function createIdSource(seed: string): IdSource {
  const counters = new Map<string, number>();
  /** The next `length` (at least 16) bytes of `scope`: sha256 blocks of (seed, scope, counter, block). */
  const digest = (scope: string, length = 32): Buffer => {
    const n = counters.get(scope) ?? 0;
    counters.set(scope, n + 1);
    const blocks: Buffer[] = [];
    for (let block = 0; block * 32 < length; block++) {
      // One-shot `hash`: the same digest as `createHash().update().digest()`, without a Hash object per id.
      blocks.push(hash('sha256', `${seed}\u0000${scope}\u0000${n}\u0000${block}`, 'buffer'));
    }
    return Buffer.concat(blocks);
  };
  const id = (options: IdGeneratorOptions = {}): string => {
    const { prefix, separator = '-', size = 16 } = options;
    const bytes = digest(options.scope ?? prefix ?? 'id', size);
    let text = '';
    for (let index = 0; index < size; index++) {
      text += ALPHABET[(bytes[index] as number) % ALPHABET.length];
    }
    return prefix === undefined ? text : `${prefix}${separator}${text}`;
  };
  return {
    uuid(scope = 'uuid') {
      const bytes = digest(scope);
      bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
      const hex = bytes.subarray(0, 16).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    id,
    generator(options = {}) {
      checkSize(options.size);
      return () => id(options);
    },
  };
}

function checkSize(size: number | undefined): void {
  if (size !== undefined && (!Number.isInteger(size) || size < 1))
    throw new RangeError(`size must be a positive integer, got ${size}`);
}

/**
 * A replay-stable id generator (`() => string`): `idSource(ctx).generator(options)`. Drop it in wherever
 * an SDK accepts a `generateId`.
 */
export function createIdGenerator(ctx: Context, options: IdGeneratorOptions = {}): () => string {
  return idSource(ctx).generator(options);
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
