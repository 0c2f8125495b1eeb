import assert from 'node:assert/strict';
import { CONFORMANCE_TOOLS } from '../contract.js';
import type { Scenario } from './scenario.js';

const approvalScript = (request: { turnIndex: number; lastToolResult?: string }) =>
  request.turnIndex === 0
    ? { toolCalls: [{ name: CONFORMANCE_TOOLS.approveAction, arguments: { action: 'refund' } }] }
    : { text: `Outcome: ${request.lastToolResult ?? '(none)'}` };

export const approvalResumed: Scenario = {
  name: 'approval-approved',
  title: 'a tool needing approval pauses on an awakeable; resolving its id resumes the agent',
  async run(context) {
    context.script(approvalScript);
    const invocationId = await context.start({ prompt: 'refund the order' });
    const request = await context.ledger.waitFor('approval', context.session);
    const approvalId = String(request.body.approvalId);
    assert.match(approvalId, /^sign_/, 'the approval id is a Restate awakeable id');
    await context.restate.resolveAwakeable(approvalId, { approved: true });
    const output = await context.result(invocationId);
    assert.match(output.text, /approved refund/);
    assert.equal(context.ledger.entries({ kind: 'approval', session: context.session }).length, 1);
  },
};

export const approvalRejected: Scenario = {
  name: 'approval-rejected',
  title: 'a rejected approval reaches the model as the tool result; the action does not run',
  async run(context) {
    context.script(approvalScript);
    const invocationId = await context.start({ prompt: 'refund the order' });
    const request = await context.ledger.waitFor('approval', context.session);
    await context.restate.resolveAwakeable(String(request.body.approvalId), {
      approved: false,
      reason: 'over the limit',
    });
    const output = await context.result(invocationId);
    assert.match(output.text, /rejected refund/);
  },
};
