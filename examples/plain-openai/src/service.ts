/**
 * A support agent on the plain `openai` SDK, made durable with @restate-agents/core: every model call and
 * every tool is a journaled step, tools run in model order, the refund waits for a human on an awakeable,
 * and the conversation lives in Virtual Object state. Run it with `pnpm demo --sdk openai`.
 *
 * It follows the tool-call contract (docs/concepts.md#tool-call-contract): each model call gets the
 * attempt's abort signal, each tool body runs through `durableToolStep` (a tool that gives up becomes a
 * tool error for the model; a `TerminalError` ends the run), and steps are named `openai:model:<n>` and
 * `openai:tool:<name>:<callId>`.
 */
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
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

// Restate owns retries (R1): the SDK's own would multiply with them.
const openai = new OpenAI({
  baseURL: process.env[DEMO_ENV.openaiBaseUrl],
  apiKey: process.env[DEMO_ENV.openaiApiKey] ?? 'scripted',
  maxRetries: 0,
});
const model = process.env[DEMO_ENV.model] ?? 'gpt-4o-mini';
const tools = Object.entries(DEMO_TOOLS).map(([name, tool]) => ({
  type: 'function' as const,
  function: { name, description: tool.description, parameters: { ...tool.parameters } },
}));

type Args = Record<string, string | number>;

/** The value of a tool step, or its give-up thrown so it reaches the model as this call's tool error. */
function toolResult<T>(outcome: ToolStepOutcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function runTool(
  ctx: restate.ObjectContext,
  name: string,
  callId: string,
  args: Args,
): Promise<string> {
  // One journaled step per tool call; retried (3 attempts by default) and classified by durableToolStep.
  const step = toolStepName('openai', name, callId);
  switch (name) {
    case 'lookup_order':
      return timedStep('tool', name, async (ran) =>
        toolResult(
          await durableToolStep(ctx, step, name, () => {
            ran();
            return JSON.stringify(DEMO_ORDER);
          }),
        ),
      );
    case 'issue_refund': {
      // The approval waits outside the step: a human decision is journaled by its awakeable.
      const decision = await requestApproval(ctx, args, {
        onRequest: ({ id: approvalId, details }) => announceApproval(approvalId, details),
      });
      if (!decision.approved) return `Refund rejected: ${decision.reason ?? 'no reason given'}`;
      await timedStep('tool', name, async (ran) =>
        toolResult(
          await durableToolStep(ctx, step, name, async () => {
            ran();
            await recordSideEffect('refund', { orderId: args.orderId, amount: args.amount });
          }),
        ),
      );
      crashPoint(DEMO_CRASH_POINT);
      return `Refunded ${args.amount} on ${args.orderId}`;
    }
    case 'send_email':
      await timedStep('tool', name, async (ran) =>
        toolResult(
          await durableToolStep(ctx, step, name, async () => {
            ran();
            await recordSideEffect('email', { to: args.to, subject: args.subject });
          }),
        ),
      );
      crashPoint(DEMO_CRASH_POINT);
      return `Emailed ${args.to}`;
    default:
      throw new Error(`Unknown tool ${name}`);
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
      const history = listStore<ChatCompletionMessageParam>(ctx, 'messages');
      await history.append({ role: 'user', content: message });
      const messages: ChatCompletionMessageParam[] = [
        { role: 'system', content: DEMO_SYSTEM_PROMPT },
        ...(await history.read()),
      ];
      for (let turn = 0; turn < 12; turn++) {
        const reply = await timedStep('model', `model call ${turn + 1}`, (ran) =>
          durableStep(ctx, modelStepName('openai', turn + 1), async (signal) => {
            ran();
            // The attempt's signal cancels the request if Restate gives up on this attempt.
            const completion = await openai.chat.completions.create(
              { model, messages, tools },
              { signal, maxRetries: 0 },
            );
            const choice = completion.choices[0];
            if (!choice) throw new Error('The model returned no choices');
            // Journal the answer only (R11): content and tool calls, not the request or raw body.
            return {
              content: choice.message.content ?? '',
              toolCalls: choice.message.tool_calls ?? [],
            };
          }),
        );
        const assistant: ChatCompletionMessageParam = {
          role: 'assistant',
          content: reply.content,
          ...(reply.toolCalls.length > 0 && { tool_calls: reply.toolCalls }),
        };
        messages.push(assistant);
        await history.append(assistant);
        const calls = reply.toolCalls.filter((call) => call.type === 'function');
        if (calls.length === 0) return reply.content;
        // Tools in model order; control errors and TerminalErrors leave here, other errors go to the model.
        const outcomes = await executeInOrder(calls, (call) =>
          runTool(ctx, call.function.name, call.id, JSON.parse(call.function.arguments) as Args),
        );
        const results = outcomes.map(
          (outcome, index): ChatCompletionMessageParam => ({
            role: 'tool',
            tool_call_id: calls[index]?.id ?? '',
            content:
              outcome.status === 'fulfilled'
                ? outcome.value
                : `Error: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`,
          }),
        );
        messages.push(...results);
        await history.append(...results);
      }
      throw new restate.TerminalError('The agent did not finish within 12 model turns');
    },
  },
  // Killed with its last error once its attempts run out, never left paused waiting for a human.
  options: { retryPolicy: agentRetryPolicy },
});

await restate.serve({ services: [supportAgent], port: Number(process.env.PORT ?? 9080) });
