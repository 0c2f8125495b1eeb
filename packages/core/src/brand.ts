/**
 * One brand for everything this project wraps or defines, across every copy of every package: a wrapped
 * model or tool is recognised and never wrapped twice whichever wrapper came first, and an error class is
 * recognised even when two copies of a package are loaded (where `instanceof` fails). The brand is a
 * registry symbol (`Symbol.for`), so copies of this package agree on it; it is non-enumerable, so spreads
 * and JSON never see it.
 */

const BRANDS: unique symbol = Symbol.for('restate-agents.brands');

/** What a durable wrapper made durable; adapters may use their own words (`'chat-model'`, …). */
export type DurableKind = 'model' | 'tool' | (string & {});

type Branded = { [BRANDS]?: ReadonlySet<string> };

/** Fallback for objects that cannot take a property (frozen, sealed): brands by identity instead. */
const registryKey = Symbol.for('restate-agents.brands.registry');
const shared = globalThis as Record<symbol, WeakMap<object, ReadonlySet<string>> | undefined>;
const registry: WeakMap<object, ReadonlySet<string>> = shared[registryKey] ?? new WeakMap();
shared[registryKey] = registry;

function brandsOf(target: unknown): ReadonlySet<string> | undefined {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) {
    return undefined;
  }
  return (target as Branded)[BRANDS] ?? registry.get(target);
}

/** Puts the brand `name` on `target` (keeping its other brands) and returns `target`. */
export function brand<T extends object>(target: T, name: string): T {
  const names = new Set(brandsOf(target));
  names.add(name);
  try {
    Object.defineProperty(target, BRANDS, { value: names, configurable: true, enumerable: false });
  } catch {
    registry.set(target, names);
  }
  return target;
}

/** Whether `target` carries the brand `name` (own or inherited, from any copy of this package). */
export function hasBrand(target: unknown, name: string): boolean {
  return brandsOf(target)?.has(name) === true;
}

/**
 * Marks `target` as made durable (its calls already run as journaled steps). Every durable wrapper calls
 * it on what it returns, and checks {@link isDurable} first: wrapping a durable model again would nest one
 * `ctx.run` inside another, which Restate cannot journal.
 *
 * @example
 * export function durableModel(ctx, model) {
 *   if (isDurable(model, 'model')) return model;
 *   return markDurable({ ...wrap(ctx, model) }, 'model');
 * }
 */
export function markDurable<T extends object>(target: T, kind: DurableKind): T {
  return brand(target, `durable:${kind}`);
}

/** Whether `target` was marked by {@link markDurable} (with `kind`, or with any kind when omitted). */
export function isDurable(target: unknown, kind?: DurableKind): boolean {
  const names = brandsOf(target);
  if (names === undefined) return false;
  if (kind !== undefined) return names.has(`durable:${kind}`);
  for (const name of names) if (name.startsWith('durable:')) return true;
  return false;
}
