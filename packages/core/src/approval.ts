/**
 * Human approval on an awakeable: the invocation suspends (no process waits, for a minute or a week) until
 * someone resolves the awakeable through Restate's ingress, and resumes with the decision. The awakeable
 * id is handed to `onRequest`, journaled once, so a UI, a chat message or a ticket can carry it.
 */
import type { Context, Duration } from '@restatedev/restate-sdk';
import { durableStep } from './durable-step.js';
import { ApprovalDecisionError } from './errors/approval-decision-error.js';
import { STEP_NAMES } from './step-names.js';

/**
 * The decision a human made. `editedArgs`: approved, but run the tool with these arguments instead of the
 * model's (LangChain's "edit" decision); the adapter runs the call with them.
 */
export type ApprovalDecision =
  | { approved: true; reason?: string; editedArgs?: Record<string, unknown> }
  | { approved: false; reason?: string };

/** What the approver needs to see and the id to resolve. */
export interface PendingApproval<D = unknown> {
  /** The awakeable id: resolve with `POST /restate/awakeables/<id>/resolve` or `client.resolveAwakeable`. */
  id: string;
  /** What is being approved (tool name, arguments, …), as given to {@link requestApproval}. */
  details: D;
}

/** A decision that said no. */
export type ApprovalRejection = Extract<ApprovalDecision, { approved: false }>;

/**
 * The one approval options shape of every adapter (`approval: ApprovalOptions<…>` in each adapter's
 * options), used by {@link requestApproval}. `D` is what the approver is shown: the adapter's tool-call
 * details.
 */
export interface ApprovalOptions<D> {
  /**
   * Tells the approver; runs once as a durable step (named `approval:notify`), so a message is not sent
   * again on replay. Throwing a retryable error retries it, like any step.
   */
  onRequest?: (pending: PendingApproval<D>) => void | Promise<void>;
  /** Rejects automatically when no decision arrives in time (the reason says so). Default: wait forever. */
  timeout?: Duration | number;
  /**
   * What the model reads as the tool's result after a rejection; default
   * `The tool call "<name>" was rejected[: <reason>].` (see {@link rejectionMessage}).
   */
  rejectionMessage?: (details: D, decision: ApprovalRejection) => string;
}

/**
 * The tool result the model reads after `decision` rejected a call: `options.rejectionMessage`'s text, or
 * `The tool call "<toolName>" was rejected[: <reason>].`
 */
export function rejectionMessage<D>(
  options: ApprovalOptions<D> | undefined,
  details: D,
  decision: ApprovalRejection,
  toolName?: string,
): string {
  const custom = options?.rejectionMessage?.(details, decision);
  if (custom !== undefined) return custom;
  const subject = toolName === undefined ? 'The tool call' : `The tool call "${toolName}"`;
  return `${subject} was rejected${decision.reason ? `: ${decision.reason}` : ''}.`;
}

/**
 * Asks a human to approve and waits durably for the answer.
 *
 * The awakeable accepts `true`/`false`, `"approve"`/`"reject"`, or `{ approved: boolean, reason?: string }`
 * (with `editedArgs?: object` when approved: run the tool with these arguments); anything else fails the invocation with an {@link ApprovalDecisionError} naming the payload.
 *
 * @example
 * const decision = await requestApproval(ctx, { tool: 'refund', args }, {
 *   onRequest: ({ id }) => notifySlack(`Approve refund? Resolve awakeable ${id}`),
 * });
 * if (!decision.approved) return `Refund rejected: ${decision.reason ?? 'no reason given'}`;
 */
export async function requestApproval<D>(
  ctx: Context,
  details: D,
  options: ApprovalOptions<D> = {},
): Promise<ApprovalDecision> {
  const { id, promise } = ctx.awakeable<unknown>();
  const { onRequest, timeout } = options;
  if (onRequest) {
    await durableStep(ctx, STEP_NAMES.approvalNotify, async () => {
      await onRequest({ id, details });
    });
  }
  if (timeout === undefined) return parseApprovalDecision(id, await promise);
  try {
    return parseApprovalDecision(id, await promise.orTimeout(timeout));
  } catch (error) {
    if ((error as { name?: unknown; code?: unknown }).name === 'TimeoutError') {
      return { approved: false, reason: 'No decision before the approval timed out' };
    }
    throw error;
  }
}

/** Reads an approval payload; throws {@link ApprovalDecisionError} for anything that is not a decision. */
export function parseApprovalDecision(id: string, payload: unknown): ApprovalDecision {
  if (payload === true || payload === 'approve' || payload === 'approved')
    return { approved: true };
  if (payload === false || payload === 'reject' || payload === 'rejected')
    return { approved: false };
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const { approved, reason, editedArgs } = payload as {
      approved?: unknown;
      reason?: unknown;
      editedArgs?: unknown;
    };
    const editedOk =
      editedArgs === undefined ||
      (approved === true &&
        typeof editedArgs === 'object' &&
        editedArgs !== null &&
        !Array.isArray(editedArgs));
    if (
      typeof approved === 'boolean' &&
      (reason === undefined || typeof reason === 'string') &&
      editedOk
    ) {
      return {
        approved,
        ...(reason !== undefined && { reason }),
        ...(editedArgs !== undefined && { editedArgs: editedArgs as Record<string, unknown> }),
      } as ApprovalDecision;
    }
  }
  throw new ApprovalDecisionError(id, payload);
}
