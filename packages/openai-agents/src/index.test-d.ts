/**
 * Type tests for the public signatures (checked by `tsc --noEmit -p .`): `DurableRunner.run` infers like
 * the SDK's `Runner.run`, `tool`/`durableTool` keep the SDK's `tool()` typing, and the Restate pieces take
 * the contexts they need.
 */
import {
  Agent,
  type AgentInputItem,
  type RunContext,
  type Runner,
  type RunState,
  type RunToolApprovalItem,
  type Session,
  tool as sdkTool,
} from '@openai/agents-core';
import type { Context, ObjectContext, ObjectSharedContext } from '@restatedev/restate-sdk';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import {
  type ApprovalOptions,
  DurableRunner,
  type DurableRunnerOptions,
  durableAgentTool,
  durableTool,
  RestateSession,
  type RestateSessionOptions,
  restateContext,
  type ToolApprovalRequest,
  tool,
} from './index.js';

declare const ctx: Context;
declare const objectCtx: ObjectContext;
declare const sharedCtx: ObjectSharedContext;

// DurableRunner: the invocation's ctx plus the SDK's RunConfig and the durable knobs.
expectTypeOf(DurableRunner).toBeConstructibleWith(ctx);
expectTypeOf(DurableRunner).toBeConstructibleWith(ctx, {
  toolConcurrency: 3,
  step: { maxRetryAttempts: 5 },
  keepProviderData: true,
  approval: { timeout: { hours: 1 }, onRequest: () => undefined },
  tracingDisabled: false,
});
expectTypeOf<DurableRunnerOptions['toolConcurrency']>().toEqualTypeOf<number | undefined>();
// @ts-expect-error: a Restate context is required.
new DurableRunner();
// @ts-expect-error: toolConcurrency is a number.
new DurableRunner(ctx, { toolConcurrency: 'many' });
// approval: core's ApprovalOptions (one shape in every adapter), or the SDK's own interrupt-and-resume flow.
new DurableRunner(ctx, { approval: 'interrupt', step: { attemptTimeout: { seconds: 30 } } });
new DurableRunner(ctx, {
  approval: { rejectionMessage: (request, decision) => `${request.toolName}: ${decision.reason}` },
});
expectTypeOf<Exclude<DurableRunnerOptions['approval'], 'interrupt' | undefined>>().toEqualTypeOf<
  ApprovalOptions<ToolApprovalRequest>
>();
// @ts-expect-error: 'interrupt' or an ApprovalOptions object.
new DurableRunner(ctx, { approval: 'sometimes' });

// durableAgentTool: agent.asTool's option names.
durableAgentTool(new Agent({ name: 'inner' }), {
  toolName: 'ask_inner',
  toolDescription: 'Ask the inner agent',
  customOutputExtractor: (result) => String(result.finalOutput),
  needsApproval: true,
  isEnabled: ({ agent: owner }) => owner.name !== 'x',
  parameters: z.object({ city: z.string() }),
  inputBuilder: ({ params }) => JSON.stringify(params),
  runOptions: { maxTurns: 3 },
});

// run: the SDK's overloads, streaming selected by `stream: true`; the agent type flows to the result.
const answer = z.object({ answer: z.string() });
const agent = new Agent<undefined, typeof answer>({ name: 'typed', outputType: answer });
const runner = new DurableRunner(ctx);
declare const sdkRunner: Runner;
expectTypeOf(runner.run(agent, 'hi')).toEqualTypeOf(sdkRunner.run(agent, 'hi'));
expectTypeOf(runner.run(agent, 'hi', { stream: true })).toEqualTypeOf(
  sdkRunner.run(agent, 'hi', { stream: true }),
);
export async function finalOutputIsTyped(): Promise<void> {
  const result = await runner.run(agent, 'hi', { session: new RestateSession(objectCtx) });
  expectTypeOf(result.finalOutput).toEqualTypeOf<{ answer: string } | undefined>();
}
expectTypeOf(runner.resolveInterruptions)
  .parameter(0)
  // biome-ignore lint/suspicious/noExplicitAny: any run's state, as the method accepts.
  .toEqualTypeOf<{ interruptions: RunToolApprovalItem[]; state: RunState<any, any> }>();

// tool: exactly the SDK's tool(); durableTool: the same options plus `step`, so parameters and results
// infer the same way.
expectTypeOf(tool).toEqualTypeOf<typeof sdkTool>();
durableTool({
  name: 'capped',
  description: 'Gives up into the run',
  parameters: z.object({}),
  execute: () => 'x',
  step: { maxRetryAttempts: 5, onGiveUp: 'fail' },
});
const lookupOptions = {
  name: 'lookup',
  description: 'Look an id up',
  parameters: z.object({ id: z.string() }),
  execute: ({ id }: { id: string }) => ({ id, found: true }),
};
expectTypeOf(durableTool(lookupOptions)).toEqualTypeOf(sdkTool(lookupOptions));
expectTypeOf(tool(lookupOptions)).toEqualTypeOf(sdkTool(lookupOptions));
durableTool({
  name: 'inferred',
  description: 'Parameters infer the input',
  parameters: z.object({ id: z.string() }),
  execute: ({ id }) => {
    expectTypeOf(id).toEqualTypeOf<string>();
    return id;
  },
});
expectTypeOf(durableTool(lookupOptions).type).toEqualTypeOf<'function'>();

// restateContext: a Context by default, or the context type the caller names.
declare const runContext: RunContext<unknown>;
expectTypeOf(restateContext(runContext)).toEqualTypeOf<Context>();
expectTypeOf(restateContext<ObjectContext>(runContext)).toEqualTypeOf<ObjectContext>();
expectTypeOf(restateContext(undefined)).toEqualTypeOf<Context>();

// RestateSession: an SDK Session on object state, built with an object context or none at all.
expectTypeOf<RestateSession>().toExtend<Session>();
expectTypeOf(RestateSession).toBeConstructibleWith();
expectTypeOf(RestateSession).toBeConstructibleWith(objectCtx);
expectTypeOf(RestateSession).toBeConstructibleWith(sharedCtx, { name: 'chat', chunkSize: 50 });
expectTypeOf<RestateSessionOptions>().toEqualTypeOf<{ name?: string; chunkSize?: number }>();
// @ts-expect-error: a plain service context has no key to name the session.
new RestateSession(ctx);
expectTypeOf(new RestateSession().getItems()).toEqualTypeOf<Promise<AgentInputItem[]>>();
