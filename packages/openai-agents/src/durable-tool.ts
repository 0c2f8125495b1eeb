/**
 * Rules R3 and R9: a tool whose body is one side effect runs as one journaled step. On replay the
 * journaled result is returned and the body does not run again.
 */
import type { tool as sdkTool } from '@openai/agents-core';
import { durableStep } from '@restate-agents/core';
import { restateContext } from './restate-context.js';
import { STEP_NAMES } from './step-names.js';
import { tool } from './tool.js';

/**
 * Like {@link tool} (same options as the SDK's `tool()`, control errors end the run), with the whole
 * `execute` journaled as one step named `openai-agents:tool:<name>`: retried up to 3 attempts with
 * classified errors, then a `TerminalError` that ends the run. Its result must be JSON-like data
 * (`Date`, bytes and `undefined` survive).
 *
 * Use it for tools whose body is a single side effect. A body that waits (`ctx.sleep`, awakeables, calls to
 * other services) must be a plain {@link tool} using `restateContext(runContext)`: those cannot run
 * inside a step.
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
    execute: (input: unknown, runContext: unknown, details: unknown) =>
      durableStep(restateContext(runContext as never), STEP_NAMES.tool(created.name), () =>
        execute(input, runContext, details),
      ),
  } as typeof options);
  return created;
}) as typeof sdkTool;
