// Type tests for the public signatures (checked by `tsc --noEmit`, never run).
import type { Context, ObjectContext, RestatePromise } from '@restatedev/restate-sdk';
import { expectTypeOf } from 'vitest';
import {
  type ApprovalDecision,
  type ApprovalOptions,
  assertInput,
  type CallOutcome,
  classifyError,
  durableStep,
  durableToolStep,
  type ErrorClassification,
  executeInOrder,
  idSource,
  type ListStore,
  listStore,
  markDurable,
  OrderedGate,
  requestApproval,
  type StepFailureReason,
  stepBatch,
  stepFailureReason,
  type ToolGaveUpError,
  type ToolStepOutcome,
  toolStepName,
} from './index.js';

declare const ctx: Context;
declare const objectContext: ObjectContext;

// durableStep infers its value from the action and returns a RestatePromise (combinable, not a plain Promise).
expectTypeOf(durableStep(ctx, 'step', () => ({ at: new Date() }))).toEqualTypeOf<
  RestatePromise<{ at: Date }>
>();
expectTypeOf(durableStep(ctx, 'step', async (signal) => signal.aborted)).toEqualTypeOf<
  RestatePromise<boolean>
>();
// @ts-expect-error: the step name is required
void durableStep(ctx, () => 1);

expectTypeOf(classifyError(new Error('x'))).toEqualTypeOf<ErrorClassification>();
expectTypeOf(stepFailureReason(new Error('x'))).toEqualTypeOf<StepFailureReason | undefined>();

expectTypeOf(executeInOrder([1, 2], async (value) => String(value))).toEqualTypeOf<
  Promise<CallOutcome<string>[]>
>();
expectTypeOf(stepBatch(ctx).add(durableStep(ctx, 'x', () => 1))).toEqualTypeOf<Promise<number>>();
const gate = new OrderedGate<string>({ compare: (a, b) => a.localeCompare(b) });
expectTypeOf(gate.run('task-1', 'agent', async () => 1)).toEqualTypeOf<Promise<number>>();
// @ts-expect-error: keys are of the gate's key type
void gate.run('task-1', 42, async () => 1);

expectTypeOf(listStore<{ role: string }>(objectContext, 'messages')).toEqualTypeOf<
  ListStore<{ role: string }>
>();
expectTypeOf(requestApproval(ctx, { tool: 'refund' })).toEqualTypeOf<Promise<ApprovalDecision>>();

// durableToolStep resolves to an outcome the adapter hands on, never rejects on a give-up.
expectTypeOf(durableToolStep(ctx, 'sdk:tool:t:1', 't', () => 1)).toEqualTypeOf<
  RestatePromise<ToolStepOutcome<number>>
>();
declare const outcome: ToolStepOutcome<string>;
if (!outcome.ok) expectTypeOf(outcome.error).toEqualTypeOf<ToolGaveUpError>();
// @ts-expect-error: onGiveUp is 'model' or 'fail'
void durableToolStep(ctx, 'n', 't', () => 1, { onGiveUp: 'ignore' });
void durableStep(ctx, 'n', () => 1, { attemptTimeout: { seconds: 30 }, maxRetryDuration: 5000 });
expectTypeOf(toolStepName('sdk', 'tool', 'call')).toEqualTypeOf<string>();
expectTypeOf(markDurable({ a: 1 }, 'model')).toEqualTypeOf<{ a: number }>();
expectTypeOf(idSource(ctx).generator({ prefix: 'msg' })).toEqualTypeOf<() => string>();
const approval: ApprovalOptions<{ tool: string }> = {
  rejectionMessage: (details, decision) => `${details.tool}: ${decision.reason ?? 'no'}`,
};
void approval;
declare const input: unknown;
assertInput(input, (value): value is string => typeof value === 'string', 'a string');
expectTypeOf(input).toEqualTypeOf<string>();
