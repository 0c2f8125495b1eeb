import { TerminalError } from '@restatedev/restate-sdk';
import { brand, hasBrand } from '../brand.js';

/**
 * An approval awakeable was resolved with a payload that is not a decision. Terminal, and it names the
 * payload: guessing "approved" or "rejected" from garbage would run or skip a side effect by accident.
 */
export class ApprovalDecisionError extends TerminalError {
  // `name` stays 'TerminalError': Restate and every copy of this package recognise terminal errors by name.
  override name = 'TerminalError';
  readonly approvalId: string;

  constructor(approvalId: string, payload: unknown) {
    let shown: string;
    try {
      shown = JSON.stringify(payload) ?? String(payload);
    } catch {
      shown = String(payload);
    }
    super(
      `Approval ${approvalId} was resolved with ${shown.slice(0, 200)}, which is not a decision. ` +
        'Resolve it with true/false, "approve"/"reject", or { "approved": boolean, "reason"?: string } ' +
        '(plus "editedArgs"?: object when approved).',
      { metadata: { 'restate-agents.reason': 'invalid-approval-decision', approvalId } },
    );
    // Branded, so copies of this package recognise it (see isInstance).
    brand(this, 'ApprovalDecisionError');
    this.approvalId = approvalId;
  }

  /** Whether `error` is one of these, from any copy of this package. */
  static isInstance(error: unknown): error is ApprovalDecisionError {
    return hasBrand(error, 'ApprovalDecisionError');
  }
}
