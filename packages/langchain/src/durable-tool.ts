/**
 * The tool hook point for tools whose body is a single side effect (R3, R9): the whole execution becomes
 * one journaled step, so a replay returns the recorded result instead of running the side effect again.
 * Tools that do their own durable steps with `ctx` (sleeps, awakeables, several calls) stay plain tools.
 */

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { CallbackManagerForToolRun } from '@langchain/core/callbacks/manager';
import { stampRetryable } from '@langchain/core/errors';
import {
  isBaseMessage,
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type StoredMessage,
  ToolMessage,
} from '@langchain/core/messages';
import type { ToolCall } from '@langchain/core/messages/tool';
import type { RunnableConfig } from '@langchain/core/runnables';
import { DynamicStructuredTool, type StructuredToolInterface } from '@langchain/core/tools';
import {
  type DurableToolStepOptions,
  durableToolStep,
  idSource,
  isDurable,
  markDurable,
  type ToolStepOutcome,
  toJsonValue,
} from '@restate-agents/core';
import { type Context, TerminalError } from '@restatedev/restate-sdk';
import { inGraphTask } from './graph-task.js';
import { modelWatch } from './model-watch.js';
import { SDK, STEP_NAMES } from './step-names.js';

/**
 * Options of {@link durableTool}: core's `durableToolStep` knobs (default 3 attempts; `onGiveUp: 'fail'`
 * ends the run when the step gives up, instead of handing the model a tool error).
 */
export type DurableToolOptions = DurableToolStepOptions<unknown>;

/**
 * Wraps a LangChain tool so each call runs as one journaled step `langchain:tool:<name>:<callId>` (core's
 * `durableToolStep`: retry cap, classified errors). The tool sees the tool call in `config.toolCall` and
 * gets the step attempt's abort signal. A call that succeeded is kept by its tool call id: the same call
 * executed again in one invocation (a LangGraph node retried after the tool finished) returns the first
 * result, with no new step; a failed call runs again when a retry middleware asks for it. A tool that is
 * already durable is returned as it is.
 *
 * Outcomes follow the tool-call contract (docs/concepts.md): a `TerminalError` from the tool ends the run;
 * an ordinary error, once the step gives up, is thrown as core's `ToolGaveUpError` (`Tool "<name>" failed:
 * <reason>`), which the agent hands to the model as the tool result (`onGiveUp: 'fail'` ends the run
 * instead). The result is journaled with core's serde (`Date`, bytes, `bigint`, `Map` survive); a returned
 * `ToolMessage` keeps its content, artifact and status.
 *
 * @example
 * const refund = durableTool(ctx, tool(({ orderId }) => payments.refund(orderId), {
 *   name: 'refund', description: 'Refund an order', schema: z.object({ orderId: z.string() }),
 * }));
 */
export function durableTool(
  ctx: Context,
  tool: StructuredToolInterface,
  options: DurableToolOptions = {},
): DynamicStructuredTool {
  if (isDurable(tool, 'tool')) return tool as DynamicStructuredTool;
  const done = new Map<string, Promise<unknown>>();
  const run = async (input: unknown, config: ToolConfig): Promise<unknown> => {
    // A call without an id (the tool invoked directly) gets one from the invocation's replay-stable source.
    const callId =
      config.toolCall?.id || idSource(ctx).id({ scope: `langchain:tool:${tool.name}` });
    let outcome: ToolStepOutcome<JournaledToolOutput>;
    try {
      const step = () =>
        durableToolStep(
          ctx,
          STEP_NAMES.tool(tool.name, callId),
          tool.name,
          async (attemptSignal) =>
            toJournal(await callInner(tool, input, { ...config, signal: attemptSignal })),
          options as DurableToolStepOptions<JournaledToolOutput>,
        );
      // In a durableGraph node resumed after interrupt(), a call that succeeded before is not made again.
      // Keyed by the model's tool call id, or by the tool's name and place for a call without one.
      const kind = config.toolCall?.id
        ? STEP_NAMES.tool(tool.name, callId)
        : `${SDK}:tool:${tool.name}`;
      outcome = await inGraphTask(kind, step, (done) => done.ok, config);
    } catch (error) {
      // A cancellation reaching a retry middleware must still end the run (restateMiddleware rethrows it).
      if (modelWatch(ctx).latch.capture(error)) stampRetryable(error, false);
      throw error;
    }
    if (outcome.ok) return await fromJournal(tool, outcome.value, config.toolCall?.id);
    // The contract's give-up: an ordinary error the agent hands the model as the tool result (no Restate
    // error inside, so no control-error check fires on it). A retry middleware may try again, unless the
    // failure was final (a 4xx).
    stampRetryable(outcome.error, outcome.error.reason === 'retries-exhausted');
    throw outcome.error;
  };
  const wrapped = new DynamicStructuredTool({
    name: tool.name,
    description: tool.description,
    schema: tool.schema,
    returnDirect: tool.returnDirect,
    responseFormat: (tool as { responseFormat?: 'content' | 'content_and_artifact' })
      .responseFormat,
    func: (input: unknown, _runManager?: CallbackManagerForToolRun, parentConfig?: ToolConfig) => {
      // Inside the step the inner tool fires no callbacks of its own and gets the attempt's signal, not
      // the agent's; it sees the tool call (`config.toolCall`, as LangChain's own tools do).
      const { callbacks: _callbacks, signal: _signal, ...config } = parentConfig ?? {};
      const callId = config.toolCall?.id;
      if (!callId) return run(input, config);
      // A call that succeeded is not run again (a LangGraph node retried after the tool finished); a
      // failed one is, when a retry middleware asks for it.
      let result = done.get(callId);
      if (!result) {
        result = run(input, config);
        done.set(callId, result);
        result.catch(() => done.delete(callId));
      }
      return result;
    },
  });
  return markDurable(wrapped, 'tool');
}

type ToolConfig = RunnableConfig & { toolCall?: ToolCall };

/** What a tool call journals: its output, the parts of a `ToolMessage` it returned, or a `Command`. */
type JournaledToolOutput =
  | { output: unknown }
  | {
      toolMessage: {
        content: ToolMessage['content'];
        artifact?: unknown;
        status?: ToolMessage['status'];
        name?: string;
      };
    }
  | { command: Record<string, unknown> };

/** A stored message inside a journaled `Command` update. */
const MESSAGE_KEY = '~restate-agents:message';

/**
 * LangGraph's `Command` class, to rebuild a journaled one (LangGraph applies only real instances): taken
 * from the first live one this process sees, or registered under this `Symbol.for` by code that imports
 * `@langchain/langgraph` (as `@restate-agents/langgraph` does), for a replay in a fresh process.
 */
const COMMAND_CLASS = Symbol.for('restate-agents.langgraph.Command');
export type CommandClass = new (fields: Record<string, unknown>) => unknown;
let seenCommandClass: CommandClass | undefined;

function toJournal(output: unknown): JournaledToolOutput {
  if (isCommand(output)) {
    seenCommandClass ??= (output as { constructor: CommandClass }).constructor;
    const { update, goto, resume, graph } = output as Record<string, unknown>;
    return {
      command: {
        ...(update !== undefined && { update: encodeMessages(update) }),
        ...(goto !== undefined && { goto }),
        ...(resume !== undefined && { resume }),
        ...(graph !== undefined && { graph }),
      },
    };
  }
  if (!ToolMessage.isInstance(output)) return { output };
  return {
    toolMessage: {
      content: output.content,
      ...(output.artifact !== undefined && { artifact: output.artifact }),
      ...(output.status !== undefined && { status: output.status }),
      ...(output.name !== undefined && { name: output.name }),
    },
  };
}

/** Messages in a `Command`'s update (a value, a list, or `[key, value]` tuples) as stored messages. */
function encodeMessages(value: unknown, depth = 0): unknown {
  if (isBaseMessage(value)) return { [MESSAGE_KEY]: mapChatMessagesToStoredMessages([value])[0] };
  if (depth > 2 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => encodeMessages(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, encodeMessages(item, depth + 1)]),
  );
}

function decodeMessages(value: unknown, depth = 0): unknown {
  if (depth > 3 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => decodeMessages(item, depth + 1));
  const stored = (value as Record<string, unknown>)[MESSAGE_KEY];
  if (stored !== undefined) return mapStoredMessagesToChatMessages([stored as StoredMessage])[0];
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, decodeMessages(item, depth + 1)]),
  );
}

/**
 * `@langchain/langgraph`'s `Command`: from this package when it resolves, else the copy `langchain` itself
 * depends on (a `createAgent` user often has LangGraph only through `langchain`). LangGraph recognises a
 * `Command` by its `lg_name` on a class instance, so either copy's class is accepted by the graph.
 */
async function importCommandClass(): Promise<CommandClass | undefined> {
  const specifier = '@langchain/langgraph';
  const load = async (url: string): Promise<CommandClass | undefined> =>
    ((await import(url)) as { Command?: CommandClass }).Command;
  const throughLangchain = async (): Promise<CommandClass | undefined> =>
    load(pathToFileURL(createRequire(import.meta.resolve('langchain')).resolve(specifier)).href);
  const found =
    (await load(specifier).catch(() => undefined)) ??
    (await throughLangchain().catch(() => undefined));
  seenCommandClass ??= found;
  return found;
}

/** LangGraph's own test: a `Command` instance (not a plain object) named by `lg_name`. */
function isCommand(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) !== Object.prototype &&
    (value as { lg_name?: unknown }).lg_name === 'Command'
  );
}

/**
 * LangGraph's `Command` class: the one this process has seen, or registered, or else imported (see
 * {@link importCommandClass}); `undefined` when LangGraph cannot be found.
 */
export async function langGraphCommandClass(): Promise<CommandClass | undefined> {
  return (
    seenCommandClass ??
    (globalThis as Record<symbol, CommandClass | undefined>)[COMMAND_CLASS] ??
    (await importCommandClass())
  );
}

async function reviveCommand(toolName: string, fields: Record<string, unknown>): Promise<unknown> {
  const Command = await langGraphCommandClass();
  if (!Command) {
    throw new TerminalError(
      `durableTool: tool "${toolName}" returned a LangGraph Command, which can only be rebuilt from the ` +
        "journal with LangGraph's Command class: import @restate-agents/langgraph in this process, or set " +
        "globalThis[Symbol.for('restate-agents.langgraph.Command')] = Command (from @langchain/langgraph).",
    );
  }
  const { update, ...rest } = fields;
  return new Command({ ...rest, ...(update !== undefined && { update: decodeMessages(update) }) });
}

async function fromJournal(
  tool: StructuredToolInterface,
  journaled: JournaledToolOutput,
  callId: string | undefined,
): Promise<unknown> {
  if ('toolMessage' in journaled) {
    return new ToolMessage({ ...journaled.toolMessage, tool_call_id: callId ?? '' });
  }
  if ('command' in journaled) return await reviveCommand(tool.name, journaled.command);
  const { output } = journaled;
  // Called directly, the caller gets the value itself. For the model it becomes text here: LangChain's own
  // formatting turns a value `JSON.stringify` refuses (a `bigint`) into "[object Object]".
  if (!callId || typeof output === 'string' || output === undefined || output === null)
    return output;
  const format = (tool as { responseFormat?: string }).responseFormat;
  if (format === 'content_and_artifact' || isContentBlocks(output) || isDirectOutput(output)) {
    return output;
  }
  return JSON.stringify(toJsonValue(output, `the result of tool "${tool.name}"`));
}

/**
 * Runs the tool's own body with the parsed input (this wrapper parsed it with the same schema) and the
 * config, `toolCall` included: its raw result, which the step journals as it is. A tool without a body of
 * its own is invoked.
 */
function callInner(
  tool: StructuredToolInterface,
  input: unknown,
  config: ToolConfig,
): Promise<unknown> {
  const body = (
    tool as { _call?: (input: unknown, runManager: undefined, config: ToolConfig) => unknown }
  )._call;
  if (typeof body === 'function') return Promise.resolve(body.call(tool, input, undefined, config));
  return tool.invoke(input as never, config);
}

function isContentBlocks(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'object' && item !== null && 'type' in item)
  );
}

/** A result LangChain passes on as it is (a `Command`, or anything else with an `lg_name`). */
function isDirectOutput(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'lg_name' in value;
}
