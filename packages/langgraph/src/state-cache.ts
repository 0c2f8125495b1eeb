/**
 * What the checkpoint saver and the store share: Virtual Object state read through a per-invocation cache.
 * An exclusive handler is the only writer of its object's state, so what this invocation read or wrote is
 * what state holds; each key is read from Restate (a journal entry) at most once.
 */
import { journalSerde } from '@restate-agents/core';
import type { ObjectSharedContext, Serde } from '@restatedev/restate-sdk';

/** How values are kept in state: core's journal serde (`Date`, bytes, `bigint`, `Map` survive). */
export const stateSerde: Serde<unknown> = journalSerde as Serde<unknown>;

/** `key`'s value: from `cache` when this invocation read or wrote it, else read from state and kept. */
export async function readThrough<T>(
  ctx: ObjectSharedContext,
  cache: Map<string, unknown>,
  key: string,
): Promise<T | undefined> {
  if (cache.has(key)) return cache.get(key) as T | undefined;
  const value = (await ctx.get<unknown>(key, stateSerde)) ?? undefined;
  // A write that landed while the read was in flight wins.
  if (!cache.has(key)) cache.set(key, value);
  return cache.get(key) as T | undefined;
}
