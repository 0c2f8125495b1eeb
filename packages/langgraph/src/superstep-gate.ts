/**
 * Rule R7 for LangGraph: the tasks of one Pregel superstep (parallel branches, `Send` fan-out) run under
 * LangGraph's own `Promise.race` loop, so their durable operations would reach the journal in completion
 * order, which differs on replay (journal mismatch, 570). The gate lets them run in a fixed order instead:
 * by task name, then task path. LangGraph starts every task of a superstep synchronously, so all of them
 * have arrived when the gate first opens (after the current macrotask); core's `Turnstile` needs the ids up
 * front, which a node wrapper cannot know, hence this collecting variant.
 */

/** A task's place in the order: its node name, then its path (`['__pregel_push', 3, false]`, …). */
export type TaskOrderKey = readonly [name: string, path: readonly unknown[]];

interface Waiting {
  taskId: string;
  key: TaskOrderKey;
  start: () => void;
}

/** Runs the tasks of each superstep at most `concurrency` at a time, in task order. */
export class SuperstepGate {
  readonly #concurrency: number;
  readonly #waiting: Waiting[] = [];
  readonly #holding = new Set<string>();
  readonly #retrying = new Set<string>();
  #opening = false;

  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
    }
    this.#concurrency = concurrency;
  }

  /**
   * Marks that LangGraph will retry `taskId` (its retry policy said so): the task keeps its slot through
   * the back-off, so no later task slips in between its attempts.
   */
  willRetry(taskId: string): void {
    this.#retrying.add(taskId);
  }

  /** Runs one attempt of a task once its turn has come. */
  async run<T>(taskId: string, key: TaskOrderKey, attempt: () => Promise<T>): Promise<T> {
    if (!this.#holding.has(taskId)) {
      await new Promise<void>((start) => {
        this.#waiting.push({ taskId, key, start });
        this.#scheduleOpen();
      });
    }
    try {
      const value = await attempt();
      this.#release(taskId);
      return value;
    } catch (error) {
      // LangGraph decides about a retry right after this rejection reaches it (synchronously, in its
      // catch block); a macrotask later the decision is known.
      setImmediate(() => {
        if (this.#retrying.delete(taskId)) return;
        this.#release(taskId);
      });
      throw error;
    }
  }

  #scheduleOpen(): void {
    if (this.#opening) return;
    this.#opening = true;
    // Every task of the superstep is started synchronously by LangGraph's runner; after this macrotask
    // all of them wait here, so the order below does not depend on timing.
    setImmediate(() => {
      this.#opening = false;
      this.#startNext();
    });
  }

  #release(taskId: string): void {
    if (!this.#holding.delete(taskId)) return;
    this.#startNext();
  }

  #startNext(): void {
    this.#waiting.sort((a, b) => compareKeys(a.key, b.key));
    while (this.#holding.size < this.#concurrency) {
      const next = this.#waiting.shift();
      if (!next) return;
      this.#holding.add(next.taskId);
      next.start();
    }
  }
}

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
