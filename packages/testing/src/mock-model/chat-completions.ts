import {
  type ApiDialect,
  contentText,
  createdAt,
  errorTypeForStatus,
  idPart,
  isRecord,
  type ParsedRequest,
  type RenderContext,
  stringField,
} from './api-dialect.js';
import { countAssistantTurns } from './assistant-turns.js';
import type { ResolvedTurn } from './resolve-turn.js';
import { splitIntoChunks, sseEvent } from './sse.js';
import type { NormalisedMessage, NormalisedToolCall } from './types.js';

function parseToolCalls(value: unknown): NormalisedToolCall[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    return undefined;
  }
  return value.filter(isRecord).map((call) => {
    const declared = isRecord(call.function) ? call.function : {};
    return {
      id: stringField(call, 'id') ?? '',
      name: stringField(declared, 'name') ?? '',
      arguments: stringField(declared, 'arguments') ?? '',
    };
  });
}

function parseMessage(message: unknown, index: number): NormalisedMessage | string {
  if (!isRecord(message)) {
    return `messages[${index}] is not an object`;
  }
  const text = contentText(message.content);
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', ...(text === undefined ? {} : { text }) };
    case 'user':
      return { role: 'user', ...(text === undefined ? {} : { text }) };
    case 'assistant': {
      const toolCalls = parseToolCalls(message.tool_calls);
      return {
        role: 'assistant',
        ...(text === undefined ? {} : { text }),
        ...(toolCalls === undefined ? {} : { toolCalls }),
      };
    }
    case 'tool':
    case 'function': {
      const toolCallId = stringField(message, 'tool_call_id') ?? stringField(message, 'name');
      return {
        role: 'tool',
        ...(text === undefined ? {} : { text }),
        ...(toolCallId === undefined ? {} : { toolCallId }),
      };
    }
    default:
      return `messages[${index}] has unknown role ${JSON.stringify(message.role)}`;
  }
}

function toolNames(body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const functions = Array.isArray(body.functions) ? body.functions : [];
  return [
    ...tools.flatMap((tool) =>
      isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string'
        ? [tool.function.name]
        : [],
    ),
    ...functions.flatMap((declared) =>
      isRecord(declared) && typeof declared.name === 'string' ? [declared.name] : [],
    ),
  ];
}

function parseRequest(body: unknown): ParsedRequest | { error: string } {
  if (!isRecord(body)) {
    return { error: 'the request body must be a JSON object' };
  }
  if (!Array.isArray(body.messages)) {
    return { error: 'chat completions request without a `messages` array' };
  }
  const messages: NormalisedMessage[] = [];
  for (const [index, message] of body.messages.entries()) {
    const parsed = parseMessage(message, index);
    if (typeof parsed === 'string') {
      return { error: parsed };
    }
    messages.push(parsed);
  }
  return {
    model: stringField(body, 'model'),
    stream: body.stream === true,
    messages,
    turnIndex: countAssistantTurns(messages),
    tools: toolNames(body),
    includeUsage: isRecord(body.stream_options) && body.stream_options.include_usage === true,
  };
}

function completionId(context: RenderContext): string {
  return `chatcmpl-${idPart(context.conversation)}-${context.turnIndex}`;
}

function usageJson(turn: ResolvedTurn): Record<string, unknown> {
  return {
    prompt_tokens: turn.usage.inputTokens,
    completion_tokens: turn.usage.outputTokens,
    total_tokens: turn.usage.inputTokens + turn.usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function renderJson(turn: ResolvedTurn, context: RenderContext): unknown {
  const hasToolCalls = turn.toolCalls.length > 0;
  return {
    id: completionId(context),
    object: 'chat.completion',
    created: createdAt(context.turnIndex),
    model: context.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // The real API sends null content on a tool-calls-only turn; some clients check for it.
          content: turn.text === '' && hasToolCalls ? null : turn.text,
          refusal: null,
          annotations: [],
          ...(hasToolCalls
            ? {
                tool_calls: turn.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: turn.finishReason,
      },
    ],
    usage: usageJson(turn),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
}

function renderStream(turn: ResolvedTurn, context: RenderContext, includeUsage: boolean): string[] {
  // With include_usage the real API sends `usage: null` on every chunk but the last one.
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
    sseEvent({
      id: completionId(context),
      object: 'chat.completion.chunk',
      created: createdAt(context.turnIndex),
      model: context.model,
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const frames = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of splitIntoChunks(turn.text)) {
    frames.push(chunk({ content: piece }));
  }
  for (const [index, call] of turn.toolCalls.entries()) {
    frames.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of splitIntoChunks(call.arguments, 4, 1)) {
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  }
  frames.push(chunk({}, turn.finishReason));
  if (includeUsage) {
    frames.push(
      sseEvent({
        id: completionId(context),
        object: 'chat.completion.chunk',
        created: createdAt(context.turnIndex),
        model: context.model,
        service_tier: 'default',
        system_fingerprint: 'fp_mock',
        choices: [],
        usage: usageJson(turn),
      }),
    );
  }
  frames.push(sseEvent('[DONE]'));
  return frames;
}

function errorBody(status: number, message: string, code?: string): unknown {
  return {
    error: { message, type: errorTypeForStatus(status), param: null, code: code ?? null },
  };
}

/** `POST /v1/chat/completions`: OpenAI Chat Completions, JSON and SSE (`data:` chunks, `[DONE]`). */
export const chatCompletionsDialect: ApiDialect = {
  api: 'chat',
  parseRequest,
  renderJson,
  renderStream,
  errorBody,
};
