import {
  type ApiDialect,
  contentText,
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

function blocks(content: unknown): Record<string, unknown>[] {
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function parseUserMessage(content: unknown): NormalisedMessage[] {
  if (typeof content === 'string') {
    return [{ role: 'user', text: content }];
  }
  // Tool results travel inside user messages; they become `tool` messages so every API reads alike.
  const toolResults: NormalisedMessage[] = blocks(content)
    .filter((block) => block.type === 'tool_result')
    .map((block) => {
      const text = contentText(block.content);
      const toolCallId = stringField(block, 'tool_use_id');
      return {
        role: 'tool',
        ...(text === undefined ? {} : { text }),
        ...(toolCallId === undefined ? {} : { toolCallId }),
      };
    });
  const text = contentText(blocks(content).filter((block) => block.type === 'text'));
  return [...toolResults, ...(text === undefined ? [] : [{ role: 'user' as const, text }])];
}

function parseAssistantMessage(content: unknown): NormalisedMessage {
  if (typeof content === 'string') {
    return { role: 'assistant', text: content };
  }
  const text = contentText(blocks(content).filter((block) => block.type === 'text'));
  const toolCalls: NormalisedToolCall[] = blocks(content)
    .filter((block) => block.type === 'tool_use')
    .map((block) => ({
      id: stringField(block, 'id') ?? '',
      name: stringField(block, 'name') ?? '',
      arguments: JSON.stringify(block.input ?? {}),
    }));
  return {
    role: 'assistant',
    ...(text === undefined ? {} : { text }),
    ...(toolCalls.length === 0 ? {} : { toolCalls }),
  };
}

function parseRequest(body: unknown): ParsedRequest | { error: string } {
  if (!isRecord(body)) {
    return { error: 'the request body must be a JSON object' };
  }
  if (!Array.isArray(body.messages)) {
    return { error: 'messages request without a `messages` array' };
  }
  const messages: NormalisedMessage[] = [];
  const system = contentText(body.system);
  if (system !== undefined) {
    messages.push({ role: 'system', text: system });
  }
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message)) {
      return { error: `messages[${index}] is not an object` };
    }
    if (message.role === 'user') {
      messages.push(...parseUserMessage(message.content));
    } else if (message.role === 'assistant') {
      messages.push(parseAssistantMessage(message.content));
    } else {
      return { error: `messages[${index}] has unknown role ${JSON.stringify(message.role)}` };
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return {
    model: stringField(body, 'model'),
    stream: body.stream === true,
    messages,
    turnIndex: countAssistantTurns(messages),
    tools: tools.flatMap((tool) =>
      isRecord(tool) && typeof tool.name === 'string' ? [tool.name] : [],
    ),
    includeUsage: false,
  };
}

const stopReasons = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
  content_filter: 'refusal',
} as const;

/**
 * A tool call's input as a JSON value. Arguments that are not valid JSON (a test sending broken
 * arguments on purpose) are sent as a string, the closest a JSON body can get.
 */
function toolInput(callArguments: string): unknown {
  try {
    return JSON.parse(callArguments);
  } catch {
    return callArguments;
  }
}

function contentBlocks(turn: ResolvedTurn): Record<string, unknown>[] {
  return [
    ...(turn.text !== '' || turn.toolCalls.length === 0 ? [{ type: 'text', text: turn.text }] : []),
    ...turn.toolCalls.map((call) => ({
      type: 'tool_use',
      id: call.id,
      name: call.name,
      input: toolInput(call.arguments),
    })),
  ];
}

function messageObject(
  turn: ResolvedTurn,
  context: RenderContext,
  content: Record<string, unknown>[],
  stopReason: string | null,
  outputTokens: number,
): Record<string, unknown> {
  return {
    id: `msg_${idPart(context.conversation)}_${context.turnIndex}`,
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: turn.usage.inputTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      service_tier: 'standard',
    },
  };
}

function renderJson(turn: ResolvedTurn, context: RenderContext): unknown {
  return messageObject(
    turn,
    context,
    contentBlocks(turn),
    stopReasons[turn.finishReason],
    turn.usage.outputTokens,
  );
}

function renderStream(turn: ResolvedTurn, context: RenderContext): string[] {
  const frames: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>): void => {
    frames.push(sseEvent({ type, ...fields }, type));
  };
  emit('message_start', { message: messageObject(turn, context, [], null, 1) });
  emit('ping', {});
  let index = 0;
  if (turn.text !== '' || turn.toolCalls.length === 0) {
    emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const text of splitIntoChunks(turn.text)) {
      emit('content_block_delta', { index, delta: { type: 'text_delta', text } });
    }
    emit('content_block_stop', { index });
    index += 1;
  }
  for (const call of turn.toolCalls) {
    emit('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
    });
    for (const partialJson of splitIntoChunks(call.arguments, 4, 1)) {
      emit('content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: partialJson },
      });
    }
    emit('content_block_stop', { index });
    index += 1;
  }
  emit('message_delta', {
    delta: { stop_reason: stopReasons[turn.finishReason], stop_sequence: null },
    usage: { output_tokens: turn.usage.outputTokens },
  });
  emit('message_stop', {});
  return frames;
}

function errorBody(status: number, message: string): unknown {
  return { type: 'error', error: { type: errorTypeForStatus(status), message } };
}

/** `POST /v1/messages`: the Anthropic Messages API, JSON and SSE with `tool_use` blocks. */
export const anthropicMessagesDialect: ApiDialect = {
  api: 'anthropic',
  parseRequest,
  renderJson,
  renderStream,
  errorBody,
};
