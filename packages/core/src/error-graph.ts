/**
 * The one walk through wrapped errors, shared by classification (R2) and control-error detection (R4/R5).
 * SDKs hide the error that matters under different names: `cause` (standard), `error` (OpenAI Agents
 * `ToolCallError`), `errors` (`AggregateError`, AI SDK `RetryError`), `lastError` (AI SDK `RetryError`),
 * `originalError` (HTTP clients, LangChain), `response` (axios-style errors carrying status and headers).
 * Walking them all in one place means an error under any of them is both classified and recognised.
 */

/** The properties followed from one error to the errors it wraps, in the order they are followed. */
export const WRAPPED_ERROR_KEYS: readonly string[] = [
  'cause',
  'error',
  'lastError',
  'originalError',
  'response',
];

/** How deep wrapper chains are followed; real chains are a handful deep, cycles are cut by a visited set. */
export const MAX_ERROR_GRAPH_DEPTH = 16;

/** Options of {@link walkErrorGraph}. */
export interface WalkErrorGraphOptions {
  /** Do not look inside a node for which this returns true (the node itself is still yielded). */
  stopAt?: (node: Record<string, unknown>) => boolean;
  /** Default {@link MAX_ERROR_GRAPH_DEPTH}. */
  maxDepth?: number;
}

/**
 * Yields `error` and every object it wraps, breadth first (outermost first), each once: cycles are cut
 * and depth is capped, so a self-referencing error cannot hang the caller. Of `errors` arrays the last
 * entry comes first: an AI SDK `RetryError` keeps every attempt, and the last one is the one that matters.
 */
export function* walkErrorGraph(
  error: unknown,
  options: WalkErrorGraphOptions = {},
): Generator<Record<string, unknown>> {
  const maxDepth = options.maxDepth ?? MAX_ERROR_GRAPH_DEPTH;
  const visited = new Set<unknown>();
  const queue: Array<[unknown, number]> = [[error, 0]];
  for (let index = 0; index < queue.length; index++) {
    const [candidate, depth] = queue[index] as [unknown, number];
    if (typeof candidate !== 'object' || candidate === null || visited.has(candidate)) continue;
    if (depth > maxDepth) continue;
    visited.add(candidate);
    const node = candidate as Record<string, unknown>;
    yield node;
    if (options.stopAt?.(node)) continue;
    for (const key of WRAPPED_ERROR_KEYS) {
      let inner: unknown;
      try {
        inner = node[key];
      } catch {
        // A throwing getter (some SDK response objects) is not an error we can follow.
        continue;
      }
      if (inner !== undefined) queue.push([inner, depth + 1]);
    }
    const errors = readErrors(node);
    for (let position = errors.length - 1; position >= 0; position--) {
      queue.push([errors[position], depth + 1]);
    }
  }
}

function readErrors(node: Record<string, unknown>): readonly unknown[] {
  try {
    return Array.isArray(node.errors) ? node.errors : [];
  } catch {
    return [];
  }
}

/** The first node of the graph (see {@link walkErrorGraph}) for which `predicate` holds. */
export function findInErrorGraph(
  error: unknown,
  predicate: (node: Record<string, unknown>) => boolean,
  options: WalkErrorGraphOptions = {},
): Record<string, unknown> | undefined {
  for (const node of walkErrorGraph(error, options)) {
    if (predicate(node)) return node;
  }
  return undefined;
}
