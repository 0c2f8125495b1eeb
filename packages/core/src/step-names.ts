/**
 * One journal step-name scheme for every adapter: `<sdk>:model:<n>` for the n-th model call of an
 * invocation and `<sdk>:tool:<name>:<callId>` for a tool execution. Names are part of Restate's replay
 * check (a different name at the same journal position is a mismatch, 570), so they must be derived from
 * replay-stable values only: a counter the adapter keeps, the tool's name and the model's call id.
 */

/** `<sdk>:model:<n>`: the `n`-th model call of the invocation (count from 1). */
export function modelStepName(sdk: string, n: number): string {
  return `${sdk}:model:${n}`;
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
