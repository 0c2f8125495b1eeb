/**
 * The reference "plain LLM SDK" agent: the `openai` package's chat completions in a hand-written loop,
 * made durable with core alone — every model call a `durableStep`, tools in model order through
 * `executeInOrder`, history in Virtual Object state, approvals on an awakeable. It is the conformance
 * driver for `core` and the shape the docs show for "works with any LLM SDK".
 *
 * The conformance suite runs this file in a child process it can SIGKILL (see driver.ts).
 */
import {
  durableStep,
  durableToolStep,
  executeInOrder,
  listStore,
  modelStepName,
  requestApproval,
  toolStepName,
} from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_OBJECT,
  CONFORMANCE_TOOL_SCHEMAS,
  CONFORMANCE_TOOLS,
  type ConformanceInput,
  type ConformanceOutput,
  CRASH_AFTER_SIDE_EFFECT,
  GIVE_UP_ATTEMPT,
  postToLedger,
} from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import OpenAI from 'openai';
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';

const MAX_TURNS = 10;

/** What one model call journals: the answer only, never the request or the raw body (R11). */
interface ModelAnswer {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string | null;
  usage?: { promptTokens: number; completionTokens: number };
}

const openai = new OpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: process.env.OPENAI_API_KEY ?? 'scripted',
  // Restate owns retries (R1): the SDK's own would multiply with them.
  maxRetries: 0,
});

const tools = Object.entries(CONFORMANCE_TOOL_SCHEMAS).map(([name, parameters]) => ({
  type: 'function' as const,
  function: { name, parameters: parameters as Record<string, unknown> },
}));

async function callModel(
  model: string,
  messages: ChatCompletionMessageParam[],
  stream: boolean,
  signal: AbortSignal,
): Promise<ModelAnswer> {
  if (!stream) {
    const completion = await openai.chat.completions.create({ model, messages, tools }, { signal });
    const choice = completion.choices[0];
    if (!choice) throw new Error('The model returned no choices');
    return {
      text: choice.message.content ?? '',
      toolCalls: (choice.message.tool_calls ?? [])
        .filter((call): call is ChatCompletionMessageFunctionToolCall => call.type === 'function')
        .map((call) => ({
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        })),
      finishReason: choice.finish_reason,
      ...(completion.usage && {
        usage: {
          promptTokens: completion.usage.prompt_tokens,
          completionTokens: completion.usage.completion_tokens,
        },
      }),
    };
  }
  // R6: the stream is consumed inside the step; only the assembled answer is journaled.
  const chunks = await openai.chat.completions.create(
    { model, messages, tools, stream: true, stream_options: { include_usage: true } },
    { signal },
  );
  const answer: ModelAnswer = { text: '', toolCalls: [], finishReason: null };
  for await (const chunk of chunks) {
    if (chunk.usage) {
      answer.usage = {
        promptTokens: chunk.usage.prompt_tokens,
        completionTokens: chunk.usage.completion_tokens,
      };
    }
    const choice = chunk.choices[0];
    if (!choice) continue;
    answer.text += choice.delta.content ?? '';
    for (const delta of choice.delta.tool_calls ?? []) {
      answer.toolCalls[delta.index] ??= { id: '', name: '', arguments: '' };
      const call = answer.toolCalls[delta.index] as ModelAnswer['toolCalls'][number];
      call.id ||= delta.id ?? '';
      call.name += delta.function?.name ?? '';
      call.arguments += delta.function?.arguments ?? '';
    }
    answer.finishReason = choice.finish_reason ?? answer.finishReason;
  }
  return answer;
}

async function runTool(
  ctx: restate.ObjectContext,
  { id: callId, name, arguments: rawArguments }: ModelAnswer['toolCalls'][number],
): Promise<string> {
  const args = JSON.parse(rawArguments) as Record<string, unknown>;
  const session = ctx.key;
  switch (name) {
    case CONFORMANCE_TOOLS.giveUp: {
      // A durable tool: its whole body is one step under the tool-call contract (durableToolStep).
      const outcome = await durableToolStep(
        ctx,
        toolStepName('openai', name, callId),
        name,
        async () => {
          await postToLedger(GIVE_UP_ATTEMPT, { session, tool: name });
          if (args.terminal === true) throw new restate.TerminalError(String(args.message));
          throw new Error(String(args.message));
        },
      );
      // The give-up goes the way of any tool error: to the model, as the tool's result.
      if (!outcome.ok) throw outcome.error;
      return String(outcome.value);
    }
    case CONFORMANCE_TOOLS.record: {
      const id = String(args.id);
      await durableStep(ctx, 'tool:record', () => postToLedger('record', { session, id }));
      crashPoint(CRASH_AFTER_SIDE_EFFECT);
      return `recorded ${id}`;
    }
    case CONFORMANCE_TOOLS.failTerminal:
      throw new restate.TerminalError(String(args.message));
    case CONFORMANCE_TOOLS.slow:
      await durableStep(ctx, 'tool:slow:started', () =>
        postToLedger('event', { session, event: 'slow-started' }),
      );
      await ctx.sleep({ hours: 1 });
      return 'done';
    case CONFORMANCE_TOOLS.approveAction: {
      const action = String(args.action);
      const decision = await requestApproval(
        ctx,
        { action },
        {
          onRequest: ({ id }) => postToLedger('approval', { session, approvalId: id, action }),
        },
      );
      return `${decision.approved ? 'approved' : 'rejected'} ${action}`;
    }
    case CONFORMANCE_TOOLS.echo:
      return String(args.text);
    default:
      throw new Error(`Unknown tool ${name}`);
  }
}

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: ConformanceInput): Promise<ConformanceOutput> {
      const history = listStore<ChatCompletionMessageParam>(ctx, 'messages');
      await history.append({ role: 'user', content: input.prompt });
      const messages = await history.read();
      for (let turn = 0; turn < MAX_TURNS; turn++) {
        const answer = await durableStep(
          ctx,
          modelStepName('openai', turn + 1),
          (signal) => callModel(input.model, messages, input.stream === true, signal),
          input.modelAttemptTimeoutMs === undefined
            ? {}
            : { attemptTimeout: input.modelAttemptTimeoutMs },
        );
        const assistant: ChatCompletionMessageParam = {
          role: 'assistant',
          content: answer.text,
          ...(answer.toolCalls.length > 0 && {
            tool_calls: answer.toolCalls.map((call) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.name, arguments: call.arguments },
            })),
          }),
        };
        messages.push(assistant);
        await history.append(assistant);
        if (answer.toolCalls.length === 0) return { text: answer.text };

        // R7: tools in model order; R4/R5: control errors leave executeInOrder, other errors go to the model.
        const outcomes = await executeInOrder(answer.toolCalls, (call) => runTool(ctx, call));
        const results: ChatCompletionMessageParam[] = outcomes.map((outcome, index) => ({
          role: 'tool',
          tool_call_id: answer.toolCalls[index]?.id ?? '',
          content:
            outcome.status === 'fulfilled'
              ? outcome.value
              : `Error: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`,
        }));
        messages.push(...results);
        await history.append(...results);
      }
      throw new restate.TerminalError(`The agent did not finish within ${MAX_TURNS} model turns`);
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
