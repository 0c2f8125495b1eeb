/**
 * Rule R7 for LangGraph: the tasks of one Pregel superstep (parallel branches, `Send` fan-out) run under
 * LangGraph's own `Promise.race` loop, so their durable operations would reach the journal in completion
 * order, which differs on replay (journal mismatch, 570). core's `OrderedGate` runs them in a fixed order
 * instead; this file says what that order is for LangGraph: by task name, then task path (which carries the
 * `Send` index). Task ids are random per run, so they never take part.
 */

/** A task's place in the order: its node name, then its path (`['__pregel_push', 3, false]`, …). */
export type TaskOrderKey = readonly [name: string, path: readonly unknown[]];

/** Compares task keys: name, then path element by element (numbers numerically). */
export function compareKeys(a: TaskOrderKey, b: TaskOrderKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  const length = Math.max(a[1].length, b[1].length);
  for (let index = 0; index < length; index++) {
    const left = a[1][index];
    const right = b[1][index];
    if (left === right) continue;
    if (typeof left === 'number' && typeof right === 'number') return left - right;
    const leftText = String(left);
    const rightText = String(right);
    if (leftText !== rightText) return leftText < rightText ? -1 : 1;
  }
  return 0;
}
