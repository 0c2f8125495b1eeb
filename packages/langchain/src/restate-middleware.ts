/**
 * The `createAgent` hook points (R1, R4, R5, R7, R8): `wrapModelCall` swaps in a durable model,
 * `wrapToolCall` runs the turn's tool calls one at a time in model order (createAgent starts them all at
 * once, as parallel graph tasks), gives each `ToolMessage` a replay-stable id, hands ordinary tool errors to
 * the model and lets Restate's control errors end the run. Optional human approval on an awakeable.
 */

import { stampRetryable } from '@langchain/core/errors';
import { AIMessage, type BaseMessage, ToolMessage } from '@langchain/core/messages';
import type { ToolCall } from '@langchain/core/messages/tool';
import {
  type ApprovalOptions,
  type ControlErrorLatch,
  findControlError,
  idSource,
  rejectionMessage,
  requestApproval,
  stepFailureReason,
  Turnstile,
} from '@restate-agents/core';
import { type Context, TerminalError } from '@restatedev/restate-sdk';
import type { AgentMiddleware } from 'langchain';
import {
  type ChatModelLike,
  type DurableChatModel,
  type DurableChatModelOptions,
  durableChatModel,
} from './durable-chat-model.js';
import { langGraphCommandClass } from './durable-tool.js';
import { modelWatch } from './model-watch.js';

/** What an approver sees for one tool call. */
export interface ToolApprovalDetails {
  toolCallId: string;
  name: string;
  args: Record<string, unknown>;
}

/** Options of {@link restateMiddleware}. */
export interface RestateMiddlewareOptions {
  /**
   * The model step's options (every model call of the agent): core's `durableStep` knobs, default 3
   * attempts; `attemptTimeout` aborts a request that hangs and counts toward the cap.
   */
  step?: DurableChatModelOptions['step'];
  /**
   * Tool calls that wait for a human first, and how they are asked for: `tools` is a tool name → `true`
   * map or a predicate; the rest is core's `ApprovalOptions` (`onRequest`, `timeout`, `rejectionMessage`).
   * The run suspends on an awakeable until its id is resolved (no process waits); a rejection reaches the
   * model as the tool result; `{ approved: true, editedArgs }` runs the tool with the edited arguments.
   */
  approval?: ApprovalOptions<ToolApprovalDetails> & {
    tools: Readonly<Record<string, boolean>> | ((toolCall: ToolCall) => boolean);
  };
}

/** The brand `createMiddleware` puts on middleware (`Symbol.for`, so no runtime import of `langchain`). */
const MIDDLEWARE_BRAND = Symbol.for('AgentMiddleware');

/**
 * Middleware that makes a `createAgent` agent durable: every model call one journaled step with a retry
 * cap (the model's own retries off), tool calls one at a time in model order, `ToolMessage` ids from the
 * invocation's replay-stable id source, ordinary tool errors (and invalid arguments) returned to the
 * model as error messages, and Restate's control errors (`TerminalError`, cancellation, suspension)
 * thrown out of `agent.invoke` unwrapped — not as langchain's `MiddlewareError`, which Restate would retry.
 *
 * Create the agent inside the handler (the middleware holds `ctx`) and list this middleware first.
 * Tools with side effects journal them: wrap them in {@link durableTool} or use `ctx` inside.
 *
 * @example
 * const agent = createAgent({ model: new ChatOpenAI({ model: 'gpt-4o-mini' }), tools: [refund],
 *   middleware: [restateMiddleware(ctx, { approval: { tools: { refund: true }, onRequest: notify } })] });
 * const { messages } = await agent.invoke({ messages: [new HumanMessage(prompt)] });
 */
export function restateMiddleware(
  ctx: Context,
  options: RestateMiddlewareOptions = {},
): AgentMiddleware {
  // langchain wraps every error leaving wrapModelCall in MiddlewareError, which Restate would retry. So a
  // control error from the model is held here, and wrapModelCall answers with a stand-in that throws the
  // held error, unwrapped, where the model node takes the answer in (endingAnswer). The latch is the
  // invocation's: durable models and tools capture into it too, so a retry middleware listed after this
  // one cannot swallow a control error. A control error held after a tool ran (a retry middleware turned
  // it into a tool result) ends the run the same way at the next model call: the graph goes tools → model,
  // as the held tool message is an error (even after a `returnDirect` tool).
  //
  // No node hooks (beforeModel, afterModel, afterAgent): every hook is one more graph node per model call
  // or run, and each node run costs LangChain's callback, tracing and channel work (afterModel and
  // afterAgent cost 10–20 % of an agent's service CPU: docs/benchmarks.md). What afterModel did is done in
  // wrapModelCall, which may answer with a LangGraph `Command` (invalid tool calls, below).
  const watch = modelWatch(ctx);
  const { latch } = watch;
  const turns = new Map<string, Turnstile>();
  // One durable model per model object for this middleware (so for this invocation: it holds `ctx`):
  // building one costs about as much as `new ChatOpenAI`, and createAgent passes the same model on every
  // call. Reuse is safe: a durable model keeps no per-call state (step numbers come from `ctx`), and
  // keeping the same object lets its `bindTools` reuse the binding of the last call.
  const durableModels = new WeakMap<object, DurableChatModel>();
  const durableFor = (model: ChatModelLike): DurableChatModel => {
    let durable = durableModels.get(model);
    if (!durable) {
      durable = durableChatModel(ctx, model, options.step && { step: options.step });
      durableModels.set(model, durable);
    }
    return durable;
  };
  // Error messages for the malformed calls of an answer that also has valid calls, by the answer's id:
  // added to the state beside the first valid call's result (see wrapToolCall).
  const invalidAnswers = new Map<string, ToolMessage[]>();

  const runTool = async (
    request: Parameters<NonNullable<AgentMiddleware['wrapToolCall']>>[0],
    handler: Parameters<NonNullable<AgentMiddleware['wrapToolCall']>>[1],
  ) => {
    const { toolCall } = request;
    // Drawn in model order (inside the turnstile), so the same id on every replay (R8).
    const messageId = `tool-${idSource(ctx).uuid('langchain:tool-message')}`;
    const { approval } = options;
    if (approval && needsApproval(approval.tools, toolCall)) {
      const details = { toolCallId: toolCall.id ?? '', name: toolCall.name, args: toolCall.args };
      const decision = await requestApproval<ToolApprovalDetails>(ctx, details, approval);
      if (!decision.approved) {
        const content = rejectionMessage(approval, details, decision, toolCall.name);
        return new ToolMessage({
          id: messageId,
          content,
          name: toolCall.name,
          tool_call_id: toolCall.id ?? '',
          status: 'error',
        });
      }
      // Approved with edited arguments (LangChain's "edit" decision): the tool runs with those.
      if (decision.editedArgs !== undefined) {
        request = { ...request, toolCall: { ...toolCall, args: decision.editedArgs } };
      }
    }
    try {
      const result = await handler(guardTool(request, latch));
      // A retry middleware listed after this one may have turned a control error into a tool result:
      // the held error ends the run from the next hook (an error thrown here would be wrapped).
      if (latch.captured) return heldToolMessage(toolCall, latch);
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
    async wrapModelCall(request, handler) {
      // A control error is held (a tool's, in the turn before): the model is not called, and the run ends
      // with the held error.
      if (latch.captured) return endingAnswer(latch);
      let response: Awaited<ReturnType<typeof handler>>;
      try {
        response = await handler({
          ...request,
          model: durableFor(request.model as ChatModelLike),
        });
        // A middleware listed after this one may have swallowed a control error (modelRetry's
        // onFailure: 'continue') or answered with a model that is not durable (modelFallback's fallback,
        // a dynamic model): the first ends the run, the second is refused before its answer is used.
        latch.rethrow();
        const id = (response as { id?: unknown }).id;
        if (AIMessage.isInstance(response) && typeof id === 'string' && !watch.answerIds.has(id)) {
          throw new TerminalError(
            `restateMiddleware: the model answer ${id} did not come from a journaled step. A middleware ` +
              'listed after restateMiddleware (modelFallbackMiddleware, a dynamic model) called a model ' +
              'that is not durable: wrap that model in durableChatModel(ctx, model) (a dynamic model ' +
              'may instead be picked by a middleware listed before restateMiddleware).',
          );
        }
      } catch (error) {
        if (!latch.capture(error)) throw error;
        return endingAnswer(latch);
      }
      return await answerInvalidToolCalls(ctx, response, invalidAnswers);
    },
    async wrapToolCall(request, handler) {
      if (latch.captured) return heldToolMessage(request.toolCall, latch);
      const turn = turnstileFor(turns, request.state.messages, request.toolCall.id);
      const result = await (turn
        ? turn.run(request.toolCall.id ?? '', () => runTool(request, handler))
        : runTool(request, handler));
      return await withInvalidCallErrors(result, request.state.messages, invalidAnswers);
    },
  };
  return middleware;
}

/**
 * Tool calls whose arguments were not valid JSON never reach a tool (createAgent routes on valid calls
 * only, and would end the run with an empty answer): each gets an error `ToolMessage`. When no valid call
 * is left, the answer is returned as a LangGraph `Command` that adds the errors and goes to the model
 * again, so it can fix its arguments; otherwise the errors wait for the turn's first tool result
 * ({@link withInvalidCallErrors}), so the valid calls still run.
 */
async function answerInvalidToolCalls<R>(
  ctx: Context,
  response: R,
  invalidAnswers: Map<string, ToolMessage[]>,
): Promise<R> {
  if (!AIMessage.isInstance(response) || !response.invalid_tool_calls?.length) return response;
  const errors = response.invalid_tool_calls.map(
    (call) =>
      new ToolMessage({
        id: `tool-${idSource(ctx).uuid('langchain:tool-message')}`,
        content: `Error: the arguments of tool "${call.name ?? ''}" could not be parsed (${call.error ?? 'invalid JSON'}): ${call.args ?? ''}\n Please fix your mistakes.`,
        name: call.name ?? '',
        tool_call_id: call.id ?? '',
        status: 'error',
      }),
  );
  if (response.tool_calls?.length) {
    invalidAnswers.set(response.id ?? '', errors);
    return response;
  }
  // createAgent adds the answer itself to the state, then this Command's update; `model_request` is its
  // model node (what its own structured-output retry goes to).
  const Command = await requireCommandClass();
  return new Command({ update: { messages: errors }, goto: 'model_request' }) as R;
}

/**
 * The first tool result of a turn whose answer also had malformed calls: a `Command` adding the result and
 * the malformed calls' errors to the state, so every call of the answer is answered before the model is
 * asked again.
 */
async function withInvalidCallErrors<R>(
  result: R,
  messages: readonly BaseMessage[],
  invalidAnswers: Map<string, ToolMessage[]>,
): Promise<R> {
  if (invalidAnswers.size === 0) return result;
  const answerId = messages.findLast(AIMessage.isInstance)?.id ?? '';
  const errors = invalidAnswers.get(answerId);
  if (!errors) return result;
  let update: Record<string, unknown>;
  if (ToolMessage.isInstance(result)) update = { messages: [result, ...errors] };
  else {
    // A tool's own Command: the errors join the messages of its update, when it has that form.
    const own = (result as { update?: unknown }).update;
    if (typeof own !== 'object' || own === null || Array.isArray(own)) return result;
    const ownMessages = (own as { messages?: unknown }).messages;
    if (ownMessages !== undefined && !Array.isArray(ownMessages)) return result;
    update = { ...own, messages: [...(ownMessages ?? []), ...errors] };
  }
  invalidAnswers.delete(answerId);
  const Command = await requireCommandClass();
  const fields = ToolMessage.isInstance(result) ? {} : { ...(result as Record<string, unknown>) };
  return new Command({ ...pickCommandFields(fields), update }) as R;
}

/** The fields a `Command` is built from (its other own properties are derived). */
function pickCommandFields(command: Record<string, unknown>): Record<string, unknown> {
  const { goto, resume, graph } = command;
  return {
    ...(goto !== undefined && { goto }),
    ...(resume !== undefined && { resume }),
    ...(graph !== undefined && { graph }),
  };
}

async function requireCommandClass() {
  const Command = await langGraphCommandClass();
  if (!Command) {
    throw new TerminalError(
      "restateMiddleware: LangGraph's Command class (@langchain/langgraph, a dependency of langchain) " +
        'could not be loaded, so malformed tool arguments cannot be handed back to the model.',
    );
  }
  return Command;
}

/**
 * The stand-in answer while a control error is held: createAgent's model node names every answer it
 * takes in (`answer.name = <agent name>`), outside the wrapModelCall chain whose errors it wraps in
 * `MiddlewareError`, so the held error thrown there leaves `agent.invoke` as it is (R4, R5). Middlewares
 * listed before this one see an empty answer.
 */
function endingAnswer(latch: ControlErrorLatch): AIMessage {
  const answer = new AIMessage({ content: '' });
  Object.defineProperty(answer, 'name', {
    configurable: true,
    get: () => undefined,
    set: () => throwHeld(latch),
  });
  return answer;
}

/**
 * Throws the held control error. A model step that gave up ends the run here, where a retry or fallback
 * middleware listed before this one never saw it (it got the stand-in answer): the message says so.
 */
function throwHeld(latch: ControlErrorLatch): void {
  const held = latch.captured;
  if (!held) return;
  if (stepFailureReason(held) === undefined) throw held;
  const { metadata } = held as { metadata?: Record<string, string> };
  throw new TerminalError(
    `${held.message} (a modelRetryMiddleware or modelFallbackMiddleware acts on this failure only when ` +
      'it is listed after restateMiddleware)',
    { errorCode: held.code, ...(metadata && { metadata }) },
  );
}

/**
 * A stand-in result nobody reads: an error thrown from wrapToolCall itself would be wrapped in a
 * `MiddlewareError`, which Restate retries. The held control error ends the run, unwrapped, where LangGraph
 * adds this message to the state (its messages reducer reads every new message's `id`), before any other
 * node runs: a `beforeModel` hook that ends the run (modelCallLimitMiddleware at its limit) cannot skip
 * it. Should that ever change, the next model call ends the run ({@link endingAnswer}; the status is
 * `error`, so even after a `returnDirect` tool the graph goes to the model).
 */
function heldToolMessage(toolCall: ToolCall, latch: ControlErrorLatch): ToolMessage {
  const message = new ToolMessage({
    content: `The run is ending: ${latch.captured?.message ?? ''}`,
    name: toolCall.name,
    tool_call_id: toolCall.id ?? '',
    status: 'error',
  });
  Object.defineProperty(message, 'id', {
    configurable: true,
    get: () => throwHeld(latch),
    set: () => throwHeld(latch),
  });
  return message;
}

/**
 * The tool as the next handler sees it: a control error it throws is captured first, so a retry middleware
 * listed after this one (toolRetryMiddleware, default `onFailure: 'continue'`) cannot turn it into a tool
 * result, and langchain's retry middleware is told not to retry it.
 */
function guardTool<R extends { tool?: unknown }>(request: R, latch: ControlErrorLatch): R {
  const tool = request.tool as { invoke?: unknown } | undefined;
  if (typeof tool !== 'object' || tool === null || typeof tool.invoke !== 'function')
    return request;
  const invoke = tool.invoke as (...args: unknown[]) => Promise<unknown>;
  const guarded = new Proxy(tool, {
    get(target, property, receiver) {
      if (property !== 'invoke') return Reflect.get(target, property, receiver);
      return async (...args: unknown[]) => {
        latch.rethrow();
        try {
          return await invoke.apply(receiver, args);
        } catch (error) {
          if (stepFailureReason(error) === undefined && latch.capture(error)) {
            stampRetryable(error, false);
          }
          throw error;
        }
      };
    },
  });
  return { ...request, tool: guarded };
}

function needsApproval(
  approvals: NonNullable<RestateMiddlewareOptions['approval']>['tools'],
  toolCall: ToolCall,
): boolean {
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
