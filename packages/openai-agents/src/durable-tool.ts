/**
 * Rules R3, R7 and R9: a tool whose body is one side effect runs as one journaled step. On replay the
 * journaled result is returned and the body does not run again.
 *
 * With `DurableRunner`'s `toolConcurrency` above 1 the SDK starts several tools of a turn at once (its
 * worker pool over `Promise.all`). Their steps must not be awaited by several native awaits: the Restate
 * SDK fails the attempt with "awaitNext already pending". Each step is created at once, with no await
 * before it, and handed to core's `stepBatch`, which awaits the steps started in the same tick with one
 * `RestatePromise.allSettled`. The SDK's path from the model's answer to `execute` is microtasks only
 * (argument parsing is synchronous), so the tools of a turn reach `execute`, and create their steps, in
 * the order the model emitted them, on every attempt.
 */
import type { tool as sdkTool } from '@openai/agents-core';
import { durableStep, stepBatch } from '@restate-agents/core';
import { restateContext } from './restate-context.js';
import { STEP_NAMES } from './step-names.js';
import { tool } from './tool.js';

const DURABLE_TOOL = Symbol.for('restate-agents.openai-agents.durable-tool');

/**
 * Like {@link tool} (same options as the SDK's `tool()`, control errors end the run), with the whole
 * `execute` journaled as one step named `openai-agents:tool:<name>`: retried up to 3 attempts with
 * classified errors, then a `TerminalError` that ends the run. Its result must be JSON-like data
 * (`Date`, bytes and `undefined` survive).
 *
 * Use it for tools whose body is a single side effect. A body that waits (`ctx.sleep`, awakeables, calls to
 * other services) must be a plain {@link tool} using `restateContext(runContext)`: those cannot run
 * inside a step. Durable tools are the only tools `DurableRunner`'s `toolConcurrency` above 1 accepts:
 * their one step each is created in model order and awaited together with the turn's other steps.
 *
 * @example
 * const sendEmail = durableTool({
 *   name: 'send_email',
 *   description: 'Send an email',
 *   parameters: z.object({ to: z.string(), body: z.string() }),
 *   execute: ({ to, body }) => mailer.send(to, body),
 * });
 */
export const durableTool: typeof sdkTool = ((options: Parameters<typeof sdkTool>[0]) => {
  const execute = options.execute as (...args: unknown[]) => unknown;
  const created: ReturnType<typeof sdkTool> = tool({
    ...options,
    execute: (input: unknown, runContext: unknown, details: unknown) => {
      const ctx = restateContext(runContext as never);
      // Created now (no await before it) and awaited with the steps of tools started alongside.
      return stepBatch(ctx).add(
        durableStep(ctx, STEP_NAMES.tool(created.name), () => execute(input, runContext, details)),
      );
    },
  } as typeof options);
  Object.defineProperty(created, DURABLE_TOOL, { value: true });
  return created;
}) as typeof sdkTool;

/** Whether `candidate` came from {@link durableTool}: one step, created without awaiting. @internal */
export function isDurableTool(candidate: unknown): boolean {
  return typeof candidate === 'object' && candidate !== null && DURABLE_TOOL in candidate;
}
