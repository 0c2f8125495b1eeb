import type { MockTurn, NormalisedMessage } from './types.js';

/** A tool call ready to render: id assigned and arguments as the exact text to send. */
export interface ResolvedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A scripted turn with every default filled in, the input of each API's renderer. */
export interface ResolvedTurn {
  text: string;
  toolCalls: ResolvedToolCall[];
  finishReason: 'stop' | 'tool_calls' | 'length' | 'content_filter';
  usage: { inputTokens: number; outputTokens: number };
}

/**
 * Fills in a turn's defaults: tool call ids `call_<turnIndex>_<position>`, object arguments as JSON,
 * the finish reason from the presence of tool calls, and usage estimated at four characters per
 * token — all derived from the request, so a retried request gets an identical answer.
 */
export function resolveTurn(
  turn: MockTurn,
  request: { turnIndex: number; messages: readonly NormalisedMessage[] },
): ResolvedTurn {
  const text = turn.text ?? '';
  const toolCalls = (turn.toolCalls ?? []).map(
    (call, position): ResolvedToolCall => ({
      id: call.id ?? `call_${request.turnIndex}_${position}`,
      name: call.name,
      arguments:
        typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
    }),
  );
  const inputCharacters = request.messages.reduce(
    (total, message) =>
      total +
      (message.text?.length ?? 0) +
      (message.toolCalls ?? []).reduce((sum, call) => sum + call.arguments.length, 0),
    0,
  );
  const outputCharacters =
    text.length +
    toolCalls.reduce((sum, call) => sum + call.name.length + call.arguments.length, 0);
  return {
    text,
    toolCalls,
    finishReason: turn.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: turn.usage ?? {
      inputTokens: Math.max(1, Math.ceil(inputCharacters / 4)),
      outputTokens: Math.max(1, Math.ceil(outputCharacters / 4)),
    },
  };
}
