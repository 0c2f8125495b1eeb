/**
 * The conformance contract's tools as LangChain tools, shared by both services. `record` journals its side
 * effect either as the tool's own step (`ownStep`, the createAgent service) or not at all, for services
 * that wrap it whole in `durableTool` (the hand-written loop). Approval is the caller's: the createAgent
 * service asks through `restateMiddleware`, the loop service inside the tool.
 */

import { type StructuredToolInterface, tool } from '@langchain/core/tools';
import { durableStep, requestApproval } from '@restate-agents/core';
import {
  CONFORMANCE_TOOLS,
  CRASH_AFTER_SIDE_EFFECT,
  GIVE_UP_ATTEMPT,
  postToLedger,
} from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableTool } from '../src/index.js';

/** How the tools journal their side effects and ask for approval. */
export interface ConformanceToolsOptions {
  /** `record` journals its side effect in its own step and passes the crash point itself. */
  recordOwnStep: boolean;
  /** `approve_action` asks for approval itself (otherwise the middleware asks before it runs). */
  approvalInTool: boolean;
}

/** The contract tools, bound to this invocation's `ctx`; `give_up` is a durable tool. */
export function conformanceTools(
  ctx: restate.ObjectContext,
  options: ConformanceToolsOptions,
): StructuredToolInterface[] {
  const session = ctx.key;
  const record = tool(
    async ({ id }) => {
      if (!options.recordOwnStep) {
        await postToLedger('record', { session, id });
        return `recorded ${id}`;
      }
      await durableStep(ctx, 'record', () => postToLedger('record', { session, id }));
      crashPoint(CRASH_AFTER_SIDE_EFFECT);
      return `recorded ${id}`;
    },
    {
      name: CONFORMANCE_TOOLS.record,
      description: 'Record an id',
      schema: z.object({ id: z.string() }),
    },
  );
  const failTerminal = tool(
    ({ message }) => {
      throw new restate.TerminalError(message);
    },
    {
      name: CONFORMANCE_TOOLS.failTerminal,
      description: 'Fail for good',
      schema: z.object({ message: z.string() }),
    },
  );
  const slow = tool(
    async () => {
      await durableStep(ctx, 'slow:started', () =>
        postToLedger('event', { session, event: 'slow-started' }),
      );
      await ctx.sleep({ hours: 1 });
      return 'done';
    },
    { name: CONFORMANCE_TOOLS.slow, description: 'Take an hour', schema: z.object({}) },
  );
  const approveAction = tool(
    async ({ action }) => {
      if (!options.approvalInTool) return `approved ${action}`;
      const decision = await requestApproval(
        ctx,
        { action },
        { onRequest: ({ id }) => postToLedger('approval', { session, approvalId: id, action }) },
      );
      return `${decision.approved ? 'approved' : 'rejected'} ${action}`;
    },
    {
      name: CONFORMANCE_TOOLS.approveAction,
      description: 'Do something that needs approval',
      schema: z.object({ action: z.string() }),
    },
  );
  const echo = tool(({ text }) => text, {
    name: CONFORMANCE_TOOLS.echo,
    description: 'Echo text',
    schema: z.object({ text: z.string() }),
  });
  // The tool-call contract: every attempt runs inside the durable tool's step and fails.
  const giveUp = durableTool(
    ctx,
    tool(
      async ({ message, terminal }) => {
        await postToLedger(GIVE_UP_ATTEMPT, { session, tool: CONFORMANCE_TOOLS.giveUp });
        if (terminal) throw new restate.TerminalError(message);
        throw new Error(message);
      },
      {
        name: CONFORMANCE_TOOLS.giveUp,
        description: 'Fail after the retries',
        schema: z.object({ message: z.string(), terminal: z.boolean() }),
      },
    ),
  );
  return [record, failTerminal, slow, approveAction, echo, giveUp];
}
