// Type tests for the public signatures (checked by `tsc --noEmit`, never run).
import type { Context, ObjectContext, RestatePromise } from '@restatedev/restate-sdk';
import { expectTypeOf } from 'vitest';
import {
  type ApprovalDecision,
  type CallOutcome,
  classifyError,
  durableStep,
  type ErrorClassification,
  executeInOrder,
  type ListStore,
  listStore,
  OrderedGate,
  requestApproval,
  type StepFailureReason,
  stepBatch,
  stepFailureReason,
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
