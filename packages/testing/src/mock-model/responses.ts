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
import type { NormalisedMessage } from './types.js';

function parseMessageItem(item: Record<string, unknown>): NormalisedMessage | undefined {
  const text = contentText(item.content);
  const withText = text === undefined ? {} : { text };
  switch (item.role) {
    case 'system':
    case 'developer':
      return { role: 'system', ...withText };
    case 'user':
      return { role: 'user', ...withText };
    case 'assistant':
      return { role: 'assistant', ...withText };
    default:
      return undefined;
  }
}

/**
 * One input item as a message. Reasoning items and references are dropped: they belong to the
 * assistant turn around them and must not split it in two when counting turns.
 */
function parseItem(item: unknown, index: number): NormalisedMessage | undefined | string {
  if (!isRecord(item)) {
    return `input[${index}] is not an object`;
  }
  const type = stringField(item, 'type') ?? 'message';
  switch (type) {
    case 'message':
      return (
        parseMessageItem(item) ?? `input[${index}] has unknown role ${JSON.stringify(item.role)}`
      );
    case 'function_call':
      return {
        role: 'assistant',
        toolCalls: [
          {
            id: stringField(item, 'call_id') ?? '',
            name: stringField(item, 'name') ?? '',
            arguments: stringField(item, 'arguments') ?? '',
          },
        ],
      };
    case 'function_call_output': {
      const text = contentText(item.output);
      const toolCallId = stringField(item, 'call_id');
      return {
        role: 'tool',
        ...(text === undefined ? {} : { text }),
        ...(toolCallId === undefined ? {} : { toolCallId }),
      };
    }
    default:
      return undefined;
  }
}

/**
 * Turns already behind a `previous_response_id` the server issued (`resp_<conversation>_<turn>`):
 * such a request carries only the new input, yet must be answered at the next turn.
 */
function turnsBeforePreviousResponse(body: Record<string, unknown>): number {
  const previous = stringField(body, 'previous_response_id');
  const match = previous === undefined ? null : /^resp_.*_(\d+)$/.exec(previous);
  return match?.[1] === undefined ? 0 : Number(match[1]) + 1;
}

function parseRequest(body: unknown): ParsedRequest | { error: string } {
  if (!isRecord(body)) {
    return { error: 'the request body must be a JSON object' };
  }
  const messages: NormalisedMessage[] = [];
  const instructions = stringField(body, 'instructions');
  if (instructions !== undefined) {
    messages.push({ role: 'system', text: instructions });
  }
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', text: body.input });
  } else if (Array.isArray(body.input)) {
    for (const [index, item] of body.input.entries()) {
      const parsed = parseItem(item, index);
      if (typeof parsed === 'string') {
        return { error: parsed };
      }
      if (parsed !== undefined) {
        messages.push(parsed);
      }
    }
  } else {
    return { error: 'responses request without an `input` string or array' };
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return {
    model: stringField(body, 'model'),
    stream: body.stream === true,
    messages,
    turnIndex: turnsBeforePreviousResponse(body) + countAssistantTurns(messages),
    tools: tools.flatMap((tool) =>
      isRecord(tool) ? [stringField(tool, 'name') ?? stringField(tool, 'type') ?? ''] : [],
    ),
    includeUsage: false,
  };
}

function status(turn: ResolvedTurn): {
  status: 'completed' | 'incomplete';
  incompleteDetails: { reason: string } | null;
} {
  switch (turn.finishReason) {
    case 'length':
      return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } };
    case 'content_filter':
      return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' } };
    default:
      return { status: 'completed', incompleteDetails: null };
  }
}

function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** The output items of a turn: a message when there is text or nothing else, then the calls. */
function outputItems(turn: ResolvedTurn, context: RenderContext): Record<string, unknown>[] {
  const itemStatus = status(turn).status;
  const items: Record<string, unknown>[] = [];
  if (turn.text !== '' || turn.toolCalls.length === 0) {
    items.push({
      id: `msg_${idPart(context.conversation)}_${context.turnIndex}`,
      type: 'message',
      status: itemStatus,
      role: 'assistant',
      content: [outputText(turn.text)],
    });
  }
  for (const [position, call] of turn.toolCalls.entries()) {
    items.push({
      id: `fc_${idPart(context.conversation)}_${context.turnIndex}_${position}`,
      type: 'function_call',
      status: 'completed',
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
    });
  }
  return items;
}

function responseObject(
  turn: ResolvedTurn,
  context: RenderContext,
  phase: 'in_progress' | 'done',
): Record<string, unknown> {
  const final = status(turn);
  const done = phase === 'done';
  return {
    id: `resp_${idPart(context.conversation)}_${context.turnIndex}`,
    object: 'response',
    created_at: createdAt(context.turnIndex),
    status: done ? final.status : 'in_progress',
    background: false,
    error: null,
    incomplete_details: done ? final.incompleteDetails : null,
    instructions: null,
    max_output_tokens: null,
    model: context.model,
    output: done ? outputItems(turn, context) : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: turn.usage.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: turn.usage.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: turn.usage.inputTokens + turn.usage.outputTokens,
        }
      : null,
    user: null,
    metadata: {},
  };
}

function renderJson(turn: ResolvedTurn, context: RenderContext): unknown {
  return responseObject(turn, context, 'done');
}

/** The event sequence of the real API, which `ResponseStream` in the `openai` SDK validates. */
function renderStream(turn: ResolvedTurn, context: RenderContext): string[] {
  const frames: string[] = [];
  let sequenceNumber = 0;
  const emit = (type: string, fields: Record<string, unknown>): void => {
    frames.push(sseEvent({ type, sequence_number: sequenceNumber, ...fields }, type));
    sequenceNumber += 1;
  };
  emit('response.created', { response: responseObject(turn, context, 'in_progress') });
  emit('response.in_progress', { response: responseObject(turn, context, 'in_progress') });
  for (const [outputIndex, item] of outputItems(turn, context).entries()) {
    const itemId = item.id;
    if (item.type === 'message') {
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      });
      const part = { item_id: itemId, output_index: outputIndex, content_index: 0 };
      emit('response.content_part.added', { ...part, part: outputText('') });
      for (const delta of splitIntoChunks(turn.text)) {
        emit('response.output_text.delta', { ...part, delta, logprobs: [] });
      }
      emit('response.output_text.done', { ...part, text: turn.text, logprobs: [] });
      emit('response.content_part.done', { ...part, part: outputText(turn.text) });
    } else {
      const callArguments = String(item.arguments);
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      for (const delta of splitIntoChunks(callArguments, 4, 1)) {
        emit('response.function_call_arguments.delta', {
          item_id: itemId,
          output_index: outputIndex,
          delta,
        });
      }
      emit('response.function_call_arguments.done', {
        item_id: itemId,
        output_index: outputIndex,
        name: item.name,
        arguments: callArguments,
      });
    }
    emit('response.output_item.done', { output_index: outputIndex, item });
  }
  const final = responseObject(turn, context, 'done');
  emit(final.status === 'completed' ? 'response.completed' : 'response.incomplete', {
    response: final,
  });
  return frames;
}

function errorBody(status: number, message: string, code?: string): unknown {
  return {
    error: { message, type: errorTypeForStatus(status), param: null, code: code ?? null },
  };
}

/**
 * `POST /v1/responses`: the OpenAI Responses API, JSON and SSE. Turns are counted from `input`
 * (consecutive `function_call` and assistant `message` items are one turn) plus the turn encoded
 * in a `previous_response_id` this server issued.
 */
export const responsesDialect: ApiDialect = {
  api: 'responses',
  parseRequest,
  renderJson,
  renderStream,
  errorBody,
};
