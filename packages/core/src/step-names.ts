/**
 * One journal step-name scheme for every adapter: `<sdk>:model:<n>` for the n-th model call of an
 * invocation and `<sdk>:tool:<name>:<callId>` for a tool execution. Names are part of Restate's replay
 * check (a different name at the same journal position is a mismatch, 570), so they must be derived from
 * replay-stable values only: the per-attempt model-call counter ({@link nextModelStepName}), the tool's name
 * and the model's call id.
 */
import type { Context } from '@restatedev/restate-sdk';

/** `<sdk>:model:<n>`: the `n`-th model call of the invocation (count from 1). */
export function modelStepName(sdk: string, n: number): string {
  return `${sdk}:model:${n}`;
}

/**
 * Model calls made so far per invocation attempt and SDK, keyed by the attempt's request object
 * (`ctx.request()`, as `idSource` and `stepBatch` are): the same for the context and any wrapper of it, so
 * two wrappers never restart the count (duplicate step names), and new on every attempt, so a replay counts
 * from 1 again. Calls happen in the same order on every attempt, so `n` is replay-stable.
 */
const modelCalls = new WeakMap<object, Map<string, number>>();

/**
 * The step name of the invocation's next model call for `sdk`: `<sdk>:model:<n>`, counting from 1 on
 * every attempt. Each SDK counts on its own, so an adapter built on another keeps its own numbering.
 *
 * @example
 * ctx.run(nextModelStepName(ctx, 'my-sdk'), () => model.call(request)); // 'my-sdk:model:1', then 2, …
 */
export function nextModelStepName(ctx: Context, sdk: string): string {
  const attempt = ctx.request();
  let counts = modelCalls.get(attempt);
  if (!counts) {
    counts = new Map();
    modelCalls.set(attempt, counts);
  }
  const n = (counts.get(sdk) ?? 0) + 1;
  counts.set(sdk, n);
  return modelStepName(sdk, n);
}

/** `<sdk>:tool:<toolName>:<callId>`: one tool execution, keyed by the call id the model gave it. */
export function toolStepName(sdk: string, toolName: string, callId: string): string {
  return `${sdk}:tool:${toolName}:${callId}`;
}

/** The journal step names core itself writes (renaming one breaks the replay of in-flight invocations). */
export const STEP_NAMES: { readonly approvalNotify: 'approval:notify' } = {
  /** `requestApproval`'s `onRequest`, run once. */
  approvalNotify: 'approval:notify',
};
