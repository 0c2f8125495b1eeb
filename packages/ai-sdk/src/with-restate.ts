/**
 * The loop hook (R1, R4, R5, R7, R8): the settings of `generateText`, `streamText`, `generateObject`/`Output`
 * and `ToolLoopAgent` made durable. The model (and any model `prepareStep` picks) is wrapped by
 * {@link durableModel}; the SDK's own retries are off; tools run one at a time in model order; the ids the
 * SDK draws (`generateId`, `generateCallId`, approval ids) come from the invocation's seeded random source.
 *
 * AI SDK 7 turns every error a tool throws into a tool-error message for the model and swallows errors
 * thrown from step callbacks, so a Restate control error (terminal, cancelled) is caught by a latch around
 * each tool and rethrown from a stop condition, which is the one place the SDK lets errors escape. In
 * `streamText` model errors only reach `onError`, and the result rejects with a causeless
 * `NoOutputGeneratedError`: the adapter aborts the call with the control error as the reason, so the
 * result rejects with the original error instead.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import {
  type ApprovalOptions,
  asRepeatingFailure,
  assertConcurrency,
  assertInput,
  brand,
  ControlErrorLatch,
  createIdGenerator,
  hasBrand,
  invalidOption,
  isDurable,
  markDurable,
  rejectionMessage,
  requestApproval,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import {
  isStepCount,
  type LanguageModel,
  NoObjectGeneratedError,
  type Tool,
  type ToolApprovalStatus,
  type ToolSet,
} from 'ai';
import { type AnswerCheck, type ObjectSettings, objectCheck, outputCheck } from './answer-check.js';
import {
  checkedDurableModel,
  type DurableModelOptions,
  durableModel,
  refuseFlatStepOptions,
} from './durable-model.js';
import { isDurableTool, withJsonModelOutput } from './durable-tool.js';
import { orderPreviewsBehindPipe } from './live/pipe-ui-message-stream.js';

/** What an approver is shown for one tool call that needs a human decision. */
export interface ToolApprovalDetails {
  toolName: string;
  toolCallId: string;
  /** The tool's input as the model sent it (validated against the tool's schema). */
  input: unknown;
  /** The reason the approval configuration gave, if any. */
  reason?: string;
}

/** Options of {@link withRestate}. */
export interface WithRestateOptions extends DurableModelOptions {
  /**
   * Approvals: a tool call that needs one suspends the invocation on an awakeable until someone resolves it
   * with `true`/`false` or `{ approved, reason }`; the call then runs, or the model is told it was rejected
   * (`rejectionMessage`, default `The tool call "<name>" was rejected[: <reason>].`). `onRequest` tells the
   * approver the awakeable id (it runs once, as a durable step). An approval that arrives in the messages
   * (the `useChat` flow) is used as it is: no awakeable.
   */
  approval?: ApprovalOptions<ToolApprovalDetails>;
  /**
   * How many tool calls of one turn run at once (default 1: one after the other, in model order). Above 1
   * every tool must be a {@link durableTool} (or from `durableTools` / `durableMcpTools`): their steps are
   * created in model order and awaited together, so the journal order is the same on every replay.
   */
  toolConcurrency?: number;
}

/** The settings {@link withRestate} reads and replaces; every other setting passes through unchanged. */
export interface DurableCallSettings {
  model: LanguageModel;
  tools?: ToolSet;
  stopWhen?: AnyStopCondition | AnyStopCondition[];
  prepareStep?: (...args: never[]) => unknown;
  /** `ToolLoopAgent` only: its result is made durable too. */
  prepareCall?: (...args: never[]) => unknown;
  toolApproval?: unknown;
  onError?: (event: { error: unknown }) => unknown;
  output?: unknown;
  prompt?: unknown;
  messages?: unknown;
  abortSignal?: AbortSignal;
  timeout?: unknown;
  _internal?: Record<string, unknown>;
}

/** Any tool set's stop condition: `never[]` accepts every `StepResult[]` a condition is typed for. */
type AnyStopCondition = (options: { steps: never[] }) => boolean | PromiseLike<boolean>;

/** `generateText` defaults to one step, `ToolLoopAgent` to twenty; their settings tell them apart. */
const CALL_DEFAULT_STEPS = 1;
const AGENT_DEFAULT_STEPS = 20;

/**
 * Makes the settings of one `generateText` / `streamText` / `generateObject` call, or of a `ToolLoopAgent`,
 * durable (see the module comment). The user's `stopWhen` is kept; a condition that rethrows a tool's
 * Restate control error is added first. `maxRetries` is set to 0 (any other value is refused): Restate's
 * retry cap owns retries.
 *
 * @example
 * const result = await generateText(
 *   withRestate(ctx, { model: openai('gpt-4.1'), tools: durableTools(ctx, { charge }), prompt, stopWhen: isStepCount(5) }),
 * );
 */
export function withRestate<P extends DurableCallSettings>(
  ctx: Context,
  params: P,
  options: WithRestateOptions = {},
): P {
  if ('model' in options) {
    throw invalidOption(
      'withRestate: options.model was removed; model-step options go under options.step ' +
        '(e.g. { step: { maxRetryAttempts: 5 } }), keepResponseHeaders and coalesceDeltas at the top level.',
    );
  }
  refuseFlatStepOptions(options, 'withRestate');
  // Live previews wait for the piped UI message stream, so each lands after the previous step's events.
  if (options.live) orderPreviewsBehindPipe(options.live);
  // A malformed prompt would fail inside the SDK the same way on every retry: end the invocation now.
  if ('prompt' in params && params.prompt !== undefined) {
    assertInput(
      params.prompt,
      (value) => typeof value === 'string' || Array.isArray(value),
      'a string or an array of messages',
      'prompt',
    );
  }
  if ('messages' in params && params.messages !== undefined) {
    assertInput(params.messages, Array.isArray, 'an array of messages', 'messages');
  }
  let toolConcurrency: number;
  try {
    toolConcurrency = assertConcurrency(options.toolConcurrency, 'toolConcurrency');
  } catch (error) {
    throw invalidOption(`withRestate: ${(error as Error).message}`);
  }
  const latch = new ControlErrorLatch();
  const isCall = 'prompt' in params || 'messages' in params;
  // Only a call has an abort signal of its own; an agent gets one per generate()/stream() call.
  const controller = isCall ? new AbortController() : undefined;
  const capture = (error: unknown) => {
    if (latch.capture(error) && controller && !controller.signal.aborted) {
      controller.abort(latch.captured);
    }
  };
  const rethrowCondition: AnyStopCondition = () => {
    latch.rethrow();
    return false;
  };
  const loop: Loop = { ctx, options, toolConcurrency, latch, capture, rethrowCondition };
  const userOnError = params.onError;

  const durable = makeDurable(
    {
      ...params,
      stopWhen: params.stopWhen ?? isStepCount(isCall ? CALL_DEFAULT_STEPS : AGENT_DEFAULT_STEPS),
    },
    loop,
  );
  durable._internal = {
    generateId: createIdGenerator(ctx, { prefix: 'aitxt', size: 24 }),
    generateCallId: createIdGenerator(ctx, { prefix: 'call', size: 24 }),
    ...params._internal,
  };
  durable.onError = (event: { error: unknown }) => {
    capture(event.error);
    if (latch.captured === undefined) return userOnError?.(event);
  };
  if (controller) {
    durable.abortSignal = params.abortSignal
      ? AbortSignal.any([params.abortSignal, controller.signal])
      : controller.signal;
  }
  const userPrepareCall = params.prepareCall;
  if (userPrepareCall) {
    // `ToolLoopAgent` hands `prepareCall` the durable settings and runs whatever it returns: a model, tools,
    // stop conditions or approvals it swaps in are made durable the same way, so none escapes the journal.
    durable.prepareCall = async (...args: unknown[]) => {
      const prepared = (await userPrepareCall(...(args as never[]))) as
        | DurableCallSettings
        | undefined;
      return prepared === undefined ? prepared : makeDurable(prepared, loop);
    };
  }
  return durable as P;
}

/** What one {@link withRestate} call shares between the settings it makes durable. */
interface Loop {
  ctx: Context;
  options: WithRestateOptions;
  toolConcurrency: number;
  latch: ControlErrorLatch;
  capture: (error: unknown) => void;
  rethrowCondition: AnyStopCondition;
}

/**
 * The durable form of a set of settings, idempotent: settings that went through it once (the agent's own,
 * handed back by `prepareCall`) come out unchanged, so nothing is wrapped twice.
 */
function makeDurable(settings: DurableCallSettings, loop: Loop): DurableCallSettings {
  const { ctx, options, toolConcurrency, latch, capture, rethrowCondition } = loop;
  if (settings.timeout !== undefined) {
    throw invalidOption(
      'withRestate: the AI SDK `timeout` option aborts a call whose model step Restate is still running; ' +
        "remove it and bound each model call with withRestate's `{ step: { attemptTimeout, maxRetryDuration } }` instead.",
    );
  }
  // Options the adapter replaces are refused when set to something else, never silently overridden.
  const { maxRetries, toolCallConcurrency } = settings as {
    maxRetries?: unknown;
    toolCallConcurrency?: unknown;
  };
  if (maxRetries !== undefined && maxRetries !== 0) {
    throw invalidOption(
      `withRestate: maxRetries ${String(maxRetries)} would multiply with Restate's retries of the model step; ` +
        'leave it out and set the cap with withRestate(ctx, params, { step: { maxRetryAttempts } }) instead.',
    );
  }
  if (toolCallConcurrency !== undefined && toolCallConcurrency !== toolConcurrency) {
    throw invalidOption(
      `withRestate: toolCallConcurrency ${String(toolCallConcurrency)} is set by the adapter; leave it out and ` +
        "pass withRestate's toolConcurrency option instead (tool steps must be created in model order).",
    );
  }
  checkDurableTools(toolConcurrency, settings.tools);
  const durable: DurableCallSettings = {
    ...settings,
    maxRetries: 0,
    toolCallConcurrency: toolConcurrency,
  } as DurableCallSettings;
  const output = settings.output as OutputSpecification | undefined;
  const isOutputSpecification = typeof output?.parseCompleteOutput === 'function';
  // Structured output is parsed inside the model step, so an answer that does not parse is retried there.
  const check =
    isOutputSpecification && output
      ? outputCheck(output as Parameters<typeof outputCheck>[0])
      : 'schema' in settings || typeof settings.output === 'string'
        ? objectCheck(settings as ObjectSettings)
        : undefined;
  if (settings.model !== undefined) {
    durable.model = asDurable(ctx, settings.model, options, check);
  }
  if (output && isOutputSpecification && !hasBrand(output, WRAPPED)) {
    durable.output = repeatingParseFailures(output);
  }
  if (settings.stopWhen !== undefined) {
    const conditions = Array.isArray(settings.stopWhen) ? settings.stopWhen : [settings.stopWhen];
    durable.stopWhen = conditions.includes(rethrowCondition)
      ? conditions
      : [rethrowCondition, ...conditions];
  }
  const userPrepareStep = settings.prepareStep;
  if (!hasBrand(userPrepareStep, WRAPPED)) {
    durable.prepareStep = mark(async (...args: unknown[]) => {
      latch.rethrow();
      const prepared = (await userPrepareStep?.(...(args as never[]))) as
        | { model?: LanguageModel }
        | undefined;
      if (prepared?.model === undefined) return prepared;
      return { ...prepared, model: asDurable(ctx, prepared.model, options, check) };
    });
  }
  if (settings.tools) durable.tools = guardTools(settings.tools, latch, capture);
  const approval = settings.toolApproval as object | undefined;
  if (
    !hasBrand(approval, WRAPPED) &&
    (approval !== undefined || hasNeedsApproval(settings.tools))
  ) {
    durable.toolApproval = mark(durableToolApproval(ctx, approval, options.approval));
  }
  return durable;
}

/** Marks what {@link makeDurable} made, so a second pass keeps it instead of wrapping again. */
const WRAPPED = 'ai-sdk:with-restate';

function mark<F extends object>(value: F): F {
  return brand(value, WRAPPED);
}

/** The part of an `Output` specification the adapter wraps. */
interface OutputSpecification {
  parseCompleteOutput(...args: unknown[]): Promise<unknown>;
}

/**
 * The output specification, its parse failures made terminal. The answer check inside the model step keeps
 * an answer that does not parse out of the journal; this is the backstop for an answer journaled without
 * that check (a model made durable some other way): parsed again on every replay, its
 * `NoObjectGeneratedError` would repeat on every retry until Restate gives up on the invocation.
 */
function repeatingParseFailures(output: OutputSpecification): OutputSpecification {
  const wrapped = Object.create(output) as OutputSpecification;
  wrapped.parseCompleteOutput = async (...args: unknown[]) => {
    try {
      return await output.parseCompleteOutput(...args);
    } catch (error) {
      throw (
        asRepeatingFailure(error, [(candidate) => NoObjectGeneratedError.isInstance(candidate)]) ??
        error
      );
    }
  };
  return mark(wrapped);
}

function checkDurableTools(concurrency: number, tools: ToolSet | undefined): void {
  if (concurrency === 1) return;
  const plain = Object.entries(tools ?? {})
    .filter(([, tool]) => tool.execute !== undefined && !isDurableTool(tool))
    .map(([name]) => name);
  if (plain.length > 0) {
    throw invalidOption(
      `withRestate: toolConcurrency ${concurrency} needs every tool to be a durableTool, but ${plain.join(', ')} ` +
        `${plain.length === 1 ? 'is' : 'are'} not: tools that await their own steps would race and ` +
        'replay in a different order. Wrap them with durableTool/durableTools, or keep toolConcurrency at 1.',
    );
  }
}

function asDurable(
  ctx: Context,
  model: LanguageModel,
  options: DurableModelOptions,
  check: AnswerCheck | undefined,
): LanguageModelV4 {
  if (typeof model === 'string') {
    throw invalidOption(
      `withRestate needs a model instance, got the id "${model}": pass e.g. gateway("${model}") or openai("...").`,
    );
  }
  const { keepResponseHeaders, coalesceDeltas, step, live } = options;
  const modelOptions: DurableModelOptions = {
    ...(keepResponseHeaders !== undefined && { keepResponseHeaders }),
    ...(coalesceDeltas !== undefined && { coalesceDeltas }),
    ...(step !== undefined && { step }),
    ...(live !== undefined && { live }),
  };
  if (check) return checkedDurableModel(ctx, model as LanguageModelV4, modelOptions, check);
  if (isDurable(model, 'model')) return model as LanguageModelV4;
  return durableModel(ctx, model as LanguageModelV4, modelOptions);
}

/**
 * Every tool's `execute` behind the latch: a control error is kept, and no later tool starts. A streaming
 * tool (`async *execute`) stays an async iterable, so the SDK still reads its preliminary results: `execute`
 * is replaced by a plain function that returns what the tool's returns, never an `async` one that would turn
 * the iterable into a promise of it.
 */
function guardTools(
  tools: ToolSet,
  latch: ControlErrorLatch,
  capture: (error: unknown) => void,
): ToolSet {
  const guarded: ToolSet = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = tool.execute as ((...args: unknown[]) => unknown) | undefined;
    if (!execute || hasBrand(execute, WRAPPED)) {
      guarded[name] = tool;
      continue;
    }
    const guardedExecute = (...args: unknown[]): unknown => {
      let result: unknown;
      try {
        latch.rethrow();
        result = execute(...args);
      } catch (error) {
        capture(error);
        return Promise.reject(error);
      }
      if (isAsyncIterable(result)) return guardIterable(result, capture);
      return Promise.resolve(result).catch((error: unknown) => {
        capture(error);
        throw error;
      });
    };
    const guardedTool = withJsonModelOutput(
      { ...tool, execute: mark(guardedExecute) } as Tool,
      name,
    );
    // The spread drops the durable tool's brand; the guarded tool is exactly as durable.
    guarded[name] = isDurableTool(tool) ? markDurable(guardedTool, 'tool') : guardedTool;
  }
  return guarded;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* guardIterable(
  iterable: AsyncIterable<unknown>,
  capture: (error: unknown) => void,
): AsyncGenerator<unknown> {
  try {
    yield* iterable;
  } catch (error) {
    capture(error);
    throw error;
  }
}

function hasNeedsApproval(tools: ToolSet | undefined): boolean {
  return Object.values(tools ?? {}).some((tool) => tool.needsApproval !== undefined);
}

interface ApprovalRequest {
  toolCall: { toolName: string; toolCallId: string; input: unknown };
  tools: ToolSet | undefined;
  messages: unknown[];
  toolsContext: Record<string, unknown> | undefined;
  runtimeContext: unknown;
}

type Status = Exclude<ToolApprovalStatus, string | undefined>;

/**
 * The user's approval configuration, resolved as the SDK resolves it; a `'user-approval'` verdict becomes a
 * durable wait on an awakeable, answered `'approved'` or `'denied'`, so the SDK runs or denies the call in
 * the same invocation instead of returning to the caller.
 */
function durableToolApproval(
  ctx: Context,
  configuration: unknown,
  options: ApprovalOptions<ToolApprovalDetails> = {},
): (request: ApprovalRequest) => Promise<Status> {
  return async (request) => {
    const status = await resolveStatus(configuration, request);
    if (status.type !== 'user-approval') return status;
    // The SDK asks again for a call whose approval arrived in the messages (the `useChat` flow: the client
    // sends a `tool-approval-response` back); that human decision is the answer, so no awakeable is opened.
    if (decidedInMessages(request.messages, request.toolCall.toolCallId)) return status;
    const { toolName, toolCallId, input } = request.toolCall;
    const details: ToolApprovalDetails = {
      toolName,
      toolCallId,
      input,
      ...(status.reason !== undefined && { reason: status.reason }),
    };
    const decision = await requestApproval(ctx, details, options);
    if (decision.approved) {
      return decision.reason === undefined
        ? { type: 'approved' }
        : { type: 'approved', reason: decision.reason };
    }
    return { type: 'denied', reason: rejectionMessage(options, details, decision, toolName) };
  };
}

interface MessagePart {
  type?: unknown;
  toolCallId?: unknown;
  approvalId?: unknown;
}

/** Whether `messages` hold an approval response to an approval request for the call `toolCallId`. */
function decidedInMessages(messages: unknown[], toolCallId: string): boolean {
  const parts = messages.flatMap((message) => {
    const content = (message as { content?: unknown }).content;
    return Array.isArray(content) ? (content as MessagePart[]) : [];
  });
  const requested = new Set(
    parts
      .filter((part) => part.type === 'tool-approval-request' && part.toolCallId === toolCallId)
      .map((part) => part.approvalId),
  );
  return parts.some(
    (part) => part.type === 'tool-approval-response' && requested.has(part.approvalId),
  );
}

/** Mirrors the SDK's `resolveToolApproval` (not exported): generic function, per-tool entry, `needsApproval`. */
async function resolveStatus(configuration: unknown, request: ApprovalRequest): Promise<Status> {
  if (typeof configuration === 'function') {
    return normalise(await configuration(request));
  }
  const { toolName, toolCallId, input } = request.toolCall;
  const toolContext = request.toolsContext?.[toolName];
  const entry = Object.hasOwn(Object(configuration ?? {}), toolName)
    ? (configuration as Record<string, unknown>)[toolName]
    : undefined;
  if (entry != null) {
    const value =
      typeof entry === 'function'
        ? await entry(input, {
            toolCallId,
            messages: request.messages,
            toolContext,
            runtimeContext: request.runtimeContext,
          })
        : entry;
    return normalise(value as ToolApprovalStatus);
  }
  const tool =
    request.tools && Object.hasOwn(request.tools, toolName) ? request.tools[toolName] : undefined;
  const needsApproval = tool?.needsApproval as unknown;
  if (needsApproval == null) return { type: 'not-applicable' };
  const needed =
    typeof needsApproval === 'function'
      ? await needsApproval(input, { toolCallId, messages: request.messages, context: toolContext })
      : needsApproval;
  return needed ? { type: 'user-approval' } : { type: 'not-applicable' };
}

function normalise(status: ToolApprovalStatus): Status {
  if (status === undefined) return { type: 'not-applicable' };
  return typeof status === 'string' ? { type: status } : status;
}
