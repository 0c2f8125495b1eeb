/**
 * The `createAgent` hook points (R1, R4, R5, R7, R8): `wrapModelCall` swaps in a durable model,
 * `wrapToolCall` runs the turn's tool calls one at a time in model order (createAgent starts them all at
 * once, as parallel graph tasks), gives each `ToolMessage` a replay-stable id, hands ordinary tool errors to
 * the model and lets Restate's control errors end the run. Optional human approval on an awakeable.
 */

import { AIMessage, type BaseMessage, ToolMessage } from '@langchain/core/messages';
import type { ToolCall } from '@langchain/core/messages/tool';
import {
  type ApprovalDecision,
  ControlErrorLatch,
  findControlError,
  type RequestApprovalOptions,
  requestApproval,
  Turnstile,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import type { AgentMiddleware } from 'langchain';
import {
  type ChatModelLike,
  type DurableChatModelOptions,
  durableChatModel,
} from './durable-chat-model.js';

/** What an approver sees for one tool call. */
export interface ToolApprovalDetails {
  toolCallId: string;
  name: string;
  args: Record<string, unknown>;
}

/** Options of {@link restateMiddleware}. */
export interface RestateMiddlewareOptions {
  /** Options of the durable model each model call runs through (retry cap, step name). */
  model?: DurableChatModelOptions;
  /**
   * Tool calls that wait for a human first: a tool name → `true` map, or a predicate. The run suspends on
   * an awakeable until its id is resolved (no process waits); a rejection goes to the model instead of
   * the tool result.
   */
  approvals?: Readonly<Record<string, boolean>> | ((toolCall: ToolCall) => boolean);
  /** Tells the approver (runs once, as a durable step); gets the awakeable id and the tool call. */
  onApprovalRequest?: RequestApprovalOptions<ToolApprovalDetails>['onRequest'];
  /** Rejects automatically when no decision arrives in time. Default: wait forever. */
  approvalTimeout?: RequestApprovalOptions<ToolApprovalDetails>['timeout'];
  /** The tool result the model sees for a rejected call; default names the tool and the reason. */
  rejectionMessage?: (toolCall: ToolCall, decision: ApprovalDecision) => string;
}

/** The brand `createMiddleware` puts on middleware (`Symbol.for`, so no runtime import of `langchain`). */
const MIDDLEWARE_BRAND = Symbol.for('AgentMiddleware');

/**
 * Middleware that makes a `createAgent` agent durable: every model call one journaled step with a retry
 * cap (the model's own retries off), tool calls one at a time in model order, `ToolMessage` ids from the
 * invocation's deterministic random source, ordinary tool errors (and invalid arguments) returned to the
 * model as error messages, and Restate's control errors (`TerminalError`, cancellation, suspension)
 * thrown out of `agent.invoke` unwrapped — not as langchain's `MiddlewareError`, which Restate would retry.
 *
 * Create the agent inside the handler (the middleware holds `ctx`) and list this middleware first.
 * Tools with side effects journal them: wrap them in {@link durableTool} or use `ctx` inside.
 *
 * @example
 * const agent = createAgent({ model: new ChatOpenAI({ model: 'gpt-4o-mini' }), tools: [refund],
 *   middleware: [restateMiddleware(ctx, { approvals: { refund: true }, onApprovalRequest: notify })] });
 * const { messages } = await agent.invoke({ messages: [new HumanMessage(prompt)] });
 */
export function restateMiddleware(
  ctx: Context,
  options: RestateMiddlewareOptions = {},
): AgentMiddleware {
  // langchain wraps every error leaving wrapModelCall in MiddlewareError; its afterModel/beforeModel hooks
  // are not wrapped. So a control error from the model is held here and rethrown from afterModel.
  const latch = new ControlErrorLatch();
  const turns = new Map<string, Turnstile>();
  const rethrowHeld = () => {
    latch.rethrow();
    return undefined;
  };

  const runTool = async (
    request: Parameters<NonNullable<AgentMiddleware['wrapToolCall']>>[0],
    handler: Parameters<NonNullable<AgentMiddleware['wrapToolCall']>>[1],
  ) => {
    const { toolCall } = request;
    // Drawn in model order (inside the turnstile), so the same id on every replay (R8).
    const messageId = `tool-${ctx.rand.uuidv4()}`;
    if (needsApproval(options.approvals, toolCall)) {
      const decision = await requestApproval<ToolApprovalDetails>(
        ctx,
        { toolCallId: toolCall.id ?? '', name: toolCall.name, args: toolCall.args },
        {
          ...(options.onApprovalRequest && { onRequest: options.onApprovalRequest }),
          ...(options.approvalTimeout !== undefined && { timeout: options.approvalTimeout }),
        },
      );
      if (!decision.approved) {
        const content =
          options.rejectionMessage?.(toolCall, decision) ??
          `The tool call "${toolCall.name}" was rejected${decision.reason ? `: ${decision.reason}` : ''}.`;
        return new ToolMessage({
          id: messageId,
          content,
          name: toolCall.name,
          tool_call_id: toolCall.id ?? '',
          status: 'error',
        });
      }
    }
    try {
      const result = await handler(request);
      if (ToolMessage.isInstance(result)) result.id = messageId;
      if (ToolMessage.isInstance(result)) result.lc_kwargs.id = messageId;
      return result;
    } catch (error) {
      // Rethrown as is: langchain passes errors from the handler through unwrapped (R4, R5).
      if (findControlError(error)) throw error;
      return new ToolMessage({
        id: messageId,
        content: `Error: ${error instanceof Error ? error.message : String(error)}\n Please fix your mistakes.`,
        name: toolCall.name,
        tool_call_id: toolCall.id ?? '',
        status: 'error',
      });
    }
  };

  const middleware: AgentMiddleware & { [MIDDLEWARE_BRAND]: true } = {
    [MIDDLEWARE_BRAND]: true,
    name: 'RestateMiddleware',
    beforeModel: rethrowHeld,
    afterModel: {
      canJumpTo: ['model'],
      hook: (state) => {
        latch.rethrow();
        return answerInvalidToolCalls(ctx, state.messages);
      },
    },
    async wrapModelCall(request, handler) {
      try {
        return await handler({
          ...request,
          model: durableChatModel(ctx, request.model as ChatModelLike, options.model),
        });
      } catch (error) {
        if (!latch.capture(error)) throw error;
        // A stand-in answer nobody sees: afterModel throws the held control error before tools or exit.
        return new AIMessage({ content: '' });
      }
    },
    async wrapToolCall(request, handler) {
      latch.rethrow();
      const turn = turnstileFor(turns, request.state.messages, request.toolCall.id);
      return turn
        ? turn.run(request.toolCall.id ?? '', () => runTool(request, handler))
        : runTool(request, handler);
    },
  };
  return middleware;
}

/**
 * Tool calls whose arguments were not valid JSON never reach a tool (createAgent routes on valid calls
 * only, and would end the run with an empty answer): each gets an error `ToolMessage`, and when no valid
 * call is left the model is asked again, so it can fix its arguments.
 */
function answerInvalidToolCalls(
  ctx: Context,
  messages: readonly BaseMessage[],
): { messages: ToolMessage[]; jumpTo?: 'model' } | undefined {
  const last = messages.at(-1);
  if (!last || !AIMessage.isInstance(last) || !last.invalid_tool_calls?.length) return undefined;
  const errors = last.invalid_tool_calls.map(
    (call) =>
      new ToolMessage({
        id: `tool-${ctx.rand.uuidv4()}`,
        content: `Error: the arguments of tool "${call.name ?? ''}" could not be parsed (${call.error ?? 'invalid JSON'}): ${call.args ?? ''}\n Please fix your mistakes.`,
        name: call.name ?? '',
        tool_call_id: call.id ?? '',
        status: 'error',
      }),
  );
  return last.tool_calls?.length ? { messages: errors } : { messages: errors, jumpTo: 'model' };
}

function needsApproval(
  approvals: RestateMiddlewareOptions['approvals'],
  toolCall: ToolCall,
): boolean {
  if (approvals === undefined) return false;
  if (typeof approvals === 'function') return approvals(toolCall);
  return approvals[toolCall.name] === true;
}

/**
 * The turnstile of the turn `callId` belongs to: the pending calls of the last AI message, in model order
 * (the calls createAgent sends to its tool node). `undefined` when calls lack ids: then there is no order
 * to keep, and waiting for a call that never comes would hang the turn.
 */
function turnstileFor(
  turns: Map<string, Turnstile>,
  messages: readonly BaseMessage[],
  callId: string | undefined,
): Turnstile | undefined {
  if (callId === undefined) return undefined;
  const answered = new Set(
    messages.filter(ToolMessage.isInstance).map((message) => message.tool_call_id),
  );
  const last = messages.findLast(AIMessage.isInstance);
  const ids = (last?.tool_calls ?? [])
    .filter((call) => !call.name.startsWith('extract-') && !answered.has(call.id ?? ''))
    .map((call) => call.id);
  if (!ids.includes(callId) || ids.some((id) => id === undefined)) return undefined;
  const key = (ids as string[]).join('\u0000');
  let turn = turns.get(key);
  if (!turn) {
    turn = new Turnstile(ids as string[]);
    turns.set(key, turn);
  }
  return turn;
}
