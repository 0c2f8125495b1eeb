/**
 * Rule R3: the Restate context reaches tools, guardrails, approval policies and sessions through the SDK's
 * `RunContext`. It is held under a symbol key, never as an enumerable field: `RunState` serialises the
 * user's context with `JSON.stringify`, and the Restate context is circular.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Agent, AgentInputItem, RunConfig, RunContext } from '@openai/agents-core';
import type { Context } from '@restatedev/restate-sdk';

const BINDING = Symbol.for('restate-agents.openai-agents.binding');

/** What a `DurableRunner` leaves on the run context for tools it runs. @internal */
export interface RunBinding {
  ctx: Context;
  /** Re-runs an agent nested inside this run (agent-as-tool) with the same durable settings. */
  nested: NestedRunner;
  /**
   * Runs SDK callbacks that the SDK starts together (guardrails, under its `Promise.all`) one after the
   * other in the order they were started, so their durable steps are awaited one at a time and journaled
   * in the same order on every replay (R7).
   */
  serial: <T>(action: () => T | Promise<T>) => Promise<T>;
}

/** How an agent-as-tool runs its agent: the `DurableRunner` that runs the outer agent. @internal */
export type NestedRunner = (
  // biome-ignore lint/suspicious/noExplicitAny: any agent, as the SDK's own Runner.run accepts.
  agent: Agent<any, any>,
  input: string | AgentInputItem[],
  context: unknown,
  overrides?: NestedRunOverrides,
) => Promise<unknown>;

/** What an agent-as-tool may change for its nested run (the SDK's `asTool` `runConfig`/`runOptions`). */
export interface NestedRunOverrides {
  runConfig?: Partial<RunConfig>;
  runOptions?: Record<string, unknown>;
}

/** A queue for {@link RunBinding.serial}. @internal */
export function serialQueue(): RunBinding['serial'] {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(action: () => T | Promise<T>): Promise<T> => {
    const next = tail.then(action);
    tail = next.catch(() => undefined);
    return next;
  };
}

/**
 * The binding of the run in progress, for the few SDK calls that get no run context (`getSessionId`). A
 * module-level object shared by concurrent invocations must never fall back to "the last context seen".
 */
const currentBinding = new AsyncLocalStorage<RunBinding>();

/** Runs `action` with `binding` as the run in progress. @internal */
export function withBinding<T>(binding: RunBinding, action: () => T): T {
  return currentBinding.run(binding, action);
}

/** The binding of the run in progress in this async context, if any. @internal */
export function activeBinding(): RunBinding | undefined {
  return currentBinding.getStore();
}

/**
 * Attaches `binding` to the run context and to the user's context object. The SDK forks run contexts for
 * nested agent runs (`new RunContext(parent.context)`), so the user's object carries it across forks.
 * @internal
 */
export function bindRun(runContext: RunContext<unknown>, binding: RunBinding): void {
  hide(runContext, binding);
  const user = runContext.context;
  if (typeof user === 'object' && user !== null && Object.isExtensible(user)) hide(user, binding);
}

function hide(target: object, binding: RunBinding): void {
  Object.defineProperty(target, BINDING, {
    value: binding,
    enumerable: false,
    configurable: true,
    writable: true,
  });
}

/** The binding of the run `runContext` belongs to, if a `DurableRunner` started it. @internal */
export function findBinding(runContext: unknown): RunBinding | undefined {
  if (typeof runContext !== 'object' || runContext === null) return undefined;
  const own = (runContext as { [BINDING]?: RunBinding })[BINDING];
  if (own) return own;
  const user = (runContext as { context?: unknown }).context;
  if (typeof user !== 'object' || user === null) return undefined;
  return (user as { [BINDING]?: RunBinding })[BINDING];
}

/**
 * The Restate context of the invocation running this agent, for tools, guardrails, `needsApproval`
 * functions, dynamic instructions and sessions: everything the SDK hands a `RunContext`.
 *
 * Throws a `TypeError` when the run was not started by a `DurableRunner` (e.g. the SDK's global `run()`).
 *
 * @example
 * const charge = tool({
 *   name: 'charge',
 *   description: 'Charge the card',
 *   parameters: z.object({ amount: z.number() }),
 *   execute: async ({ amount }, runContext) => {
 *     const ctx = restateContext(runContext);
 *     return ctx.run('charge', () => payments.charge(amount));
 *   },
 * });
 */
export function restateContext<C extends Context = Context>(
  runContext: RunContext<unknown> | undefined,
): C {
  const binding = findBinding(runContext);
  if (!binding) {
    throw new TypeError(
      'restateContext(runContext): this run was not started by a DurableRunner, so it has no Restate ' +
        'context. Run the agent with `new DurableRunner(ctx).run(agent, input)` inside a Restate handler, ' +
        'and pass the RunContext the SDK gave your tool, guardrail or approval function.',
    );
  }
  return binding.ctx as C;
}
