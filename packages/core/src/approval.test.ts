import { describe, expect, it } from 'vitest';
import { parseApprovalDecision } from './approval.js';
import { ApprovalDecisionError } from './errors/approval-decision-error.js';

describe('parseApprovalDecision', () => {
  it.each([
    [true, { approved: true }],
    ['approve', { approved: true }],
    [false, { approved: false }],
    ['reject', { approved: false }],
    [{ approved: true }, { approved: true }],
    [
      { approved: false, reason: 'too expensive' },
      { approved: false, reason: 'too expensive' },
    ],
    [
      { approved: true, editedArgs: { amount: 50 } },
      { approved: true, editedArgs: { amount: 50 } },
    ],
  ])('reads %j', (payload, decision) => {
    expect(parseApprovalDecision('sign_1', payload)).toEqual(decision);
  });

  it.each([
    [null],
    ['maybe'],
    [{ approved: 'yes' }],
    [{ approved: true, reason: 42 }],
    [{ approved: false, editedArgs: { amount: 50 } }],
    [{ approved: true, editedArgs: [50] }],
    [{ approved: true, editedArgs: 'amount=50' }],
    [[true]],
    [1],
  ])('refuses %j with an error naming the approval and the payload', (payload) => {
    let caught: unknown;
    try {
      parseApprovalDecision('sign_1', payload);
    } catch (error) {
      caught = error;
    }
    expect(ApprovalDecisionError.isInstance(caught)).toBe(true);
    expect((caught as Error).name).toBe('TerminalError');
    expect((caught as Error).message).toContain('sign_1');
    expect((caught as Error).message).toContain(JSON.stringify(payload));
  });
});
