/**
 * A support agent on the plain `@anthropic-ai/sdk` Messages API, made durable with @restate-agents/core
 * alone: every model call a `durableStep` and every tool a `durableToolStep` (3 attempts at most; Anthropic's
 * 401/400 terminal, 429 and 529 retried after `retry-after`), tools in model order (`executeInOrder`), the
 * refund behind a human approval on an awakeable (`requestApproval`), the conversation in Virtual Object
 * state (`listStore`). Run it with `pnpm demo --sdk anthropic`.
 *
 * It follows the tool-call contract (docs/concepts.md#tool-call-contract): each model call gets the
 * attempt's abort signal, a tool that gives up becomes a tool error for the model while a `TerminalError`
 * ends the run, and steps are named `anthropic:model:<n>` and `anthropic:tool:<name>:<callId>`.
 */
import Anthropic from '@anthropic-ai/sdk';
import type {
  MessageParam,
  Tool,
  ToolResultBlockParam,
  ToolUseBlock,
} from '@anthropic-ai/sdk/resources/messages';
import {
  agentRetryPolicy,
  assertInput,
  durableStep,
  durableToolStep,
  executeInOrder,
  listStore,
  modelStepName,
  requestApproval,
  type ToolStepOutcome,
  toolStepName,
} from '@restate-agents/core';
import {
  announceApproval,
  DEMO_CRASH_POINT,
  DEMO_ENV,
  DEMO_HANDLER,
  DEMO_OBJECT,
  DEMO_ORDER,
  DEMO_SYSTEM_PROMPT,
  DEMO_TOOLS,
  recordSideEffect,
  timedStep,
} from '@restate-agents/example-demo';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';

// Restate owns retries (R1): the SDK's own would multiply with them.
const anthropic = new Anthropic({
  baseURL: process.env[DEMO_ENV.anthropicBaseUrl],
  apiKey: process.env[DEMO_ENV.anthropicApiKey] ?? 'scripted',
  maxRetries: 0,
});
const model = process.env[DEMO_ENV.model] ?? 'claude-sonnet-4-5';
const tools: Tool[] = Object.entries(DEMO_TOOLS).map(([name, tool]) => ({
  name,
  description: tool.description,
  input_schema: {
    ...tool.parameters,
    required: [...tool.parameters.required],
    type: 'object' as const,
  },
}));

type Args = Record<string, string | number>;

/** The value of a tool step, or its give-up thrown so it reaches the model as this call's tool error. */
function toolResult<T>(outcome: ToolStepOutcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function runTool(ctx: restate.ObjectContext, call: ToolUseBlock): Promise<string> {
  const args = call.input as Args;
  // One journaled step per tool call; retried (3 attempts by default) and classified by durableToolStep.
  const step = toolStepName('anthropic', call.name, call.id);
  switch (call.name) {
    case 'lookup_order':
      return timedStep('tool', call.name, async (ran) =>
        toolResult(
          await durableToolStep(ctx, step, call.name, () => {
            ran();
            return JSON.stringify({ ...DEMO_ORDER, orderId: args.orderId });
          }),
        ),
      );
    case 'issue_refund': {
      // The approval waits outside the step: a human decision is journaled by its awakeable.
      const decision = await requestApproval(ctx, args, {
        onRequest: ({ id, details }) => announceApproval(id, details),
      });
      if (!decision.approved) return `Refund rejected: ${decision.reason ?? 'no reason given'}`;
      await timedStep('tool', call.name, async (ran) =>
        toolResult(
          await durableToolStep(ctx, step, call.name, async () => {
            ran();
            await recordSideEffect('refund', { orderId: args.orderId, amount: args.amount });
          }),
        ),
      );
      crashPoint(DEMO_CRASH_POINT);
      return `Refunded ${args.amount} on ${args.orderId}`;
    }
    case 'send_email':
      await timedStep('tool', call.name, async (ran) =>
        toolResult(
          await durableToolStep(ctx, step, call.name, async () => {
            ran();
            await recordSideEffect('email', { to: args.to, subject: args.subject });
          }),
        ),
      );
      return `Emailed ${args.to}`;
    default:
      throw new Error(`Unknown tool ${call.name}`);
  }
}

const supportAgent = restate.object({
  name: DEMO_OBJECT,
  handlers: {
    [DEMO_HANDLER]: async (ctx: restate.ObjectContext, message: string): Promise<string> => {
      // Bad input would fail identically on every retry: end the invocation at once, naming it.
      assertInput(
        message,
        (value) => typeof value === 'string' && value.trim() !== '',
        "a non-empty string (the customer's message)",
      );
      const history = listStore<MessageParam>(ctx, 'messages');
      await history.append({ role: 'user', content: message });
      const messages = await history.read();
      for (let turn = 0; turn < 12; turn++) {
        const reply = await timedStep('model', `model call ${turn + 1}`, (ran) =>
          durableStep(ctx, modelStepName('anthropic', turn + 1), async (signal) => {
            ran();
            // The attempt's signal cancels the request if Restate gives up on this attempt.
            const response = await anthropic.messages.create(
              { model, max_tokens: 1024, system: DEMO_SYSTEM_PROMPT, messages, tools },
              { signal, maxRetries: 0 },
            );
            // Journal the answer only (R11): content blocks and stop reason, not the request.
            return { content: response.content, stopReason: response.stop_reason };
          }),
        );
        messages.push({ role: 'assistant', content: reply.content });
        await history.append({ role: 'assistant', content: reply.content });
        const calls = reply.content.filter(
          (block): block is ToolUseBlock => block.type === 'tool_use',
        );
        if (calls.length === 0) {
          return reply.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
        }
        // Tools in model order; control errors and TerminalErrors leave here, other errors go to the model.
        const outcomes = await executeInOrder(calls, (call) => runTool(ctx, call));
        const results: ToolResultBlockParam[] = outcomes.map((outcome, index) => ({
          type: 'tool_result',
          tool_use_id: calls[index]?.id ?? '',
          content:
            outcome.status === 'fulfilled'
              ? outcome.value
              : `Error: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`,
          ...(outcome.status === 'rejected' && { is_error: true }),
        }));
        messages.push({ role: 'user', content: results });
        await history.append({ role: 'user', content: results });
      }
      throw new restate.TerminalError('The agent did not finish within 12 model turns');
    },
  },
  // Killed with its last error once its attempts run out, never left paused waiting for a human.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportAgent], port: Number(process.env.PORT ?? 9080) });
