/**
 * The scripted agent workload every configuration runs: K turns in which the model writes ~300 chars and
 * calls `lookup`, then a final answer. The model is the scripted server from @restate-agents/testing, so
 * every configuration pays the same real HTTP round trip and the same SDK parsing; only durability differs.
 *
 * A conversation name carries its own shape (`bench:<size>:<k>:<tag>`), so one stateless script answers
 * every configuration, and the turn is read from the request like a real model would see it (the number of
 * tool results in the history), so a retried or replayed request gets the same answer.
 */
import type { MockReply, MockRequest } from '@restate-agents/testing';

/** `short`: a 2 KB system prompt; `long`: 20 KB of earlier conversation sent with every request too. */
export type ConversationSize = 'short' | 'long';

export const TOOL_NAME = 'lookup';
const ASSISTANT_TEXT_CHARS = 300;
const TOOL_RESULT_CHARS = 1000;
const FINAL_TEXT_CHARS = 800;
const LONG_HISTORY_BYTES = 20 * 1024;

const WORDS =
  'the agent calls a tool then reads the result and decides what to do next while the user waits for an answer about durable execution'.split(
    ' ',
  );

/** Deterministic filler text of `chars` characters; `seed` varies it so compression cannot cheat. */
export function text(chars: number, seed = 0): string {
  let out = '';
  let index = seed;
  while (out.length < chars) {
    out += `${WORDS[index % WORDS.length]} `;
    index = (index * 7 + 3) % 9973;
  }
  return out.slice(0, chars);
}

export const SYSTEM_PROMPT = `You are a careful research agent. ${text(2000, 5)}`;
export const USER_PROMPT = `Please investigate durable execution trade-offs. ${text(150, 11)}`;

/** Earlier turns of a long conversation: user/assistant pairs adding up to ~20 KB. */
export function earlierHistory(size: ConversationSize): Array<{
  role: 'user' | 'assistant';
  content: string;
}> {
  if (size === 'short') return [];
  const history: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  for (let index = 0; history.length * 1024 < LONG_HISTORY_BYTES; index++) {
    history.push({
      role: index % 2 === 0 ? 'user' : 'assistant',
      content: text(1024, 300 + index),
    });
  }
  return history;
}

/** What `lookup` returns at turn `t`: ~1 KB of JSON. */
export function toolResult(turn: number): string {
  return JSON.stringify({
    query: `q${turn}`,
    hits: 3,
    summary: text(TOOL_RESULT_CHARS, 1000 + turn),
  });
}

/** Reads the turn a `lookup` call belongs to from its arguments. */
export function turnOfQuery(query: string): number {
  return Number(query.slice(1));
}

export function conversationName(size: ConversationSize, k: number, tag: string): string {
  return `bench:${size}:${k}:${tag}`;
}

export function parseConversation(name: string): { size: ConversationSize; k: number } {
  const [prefix, size, k] = name.split(':');
  if (prefix !== 'bench' || (size !== 'short' && size !== 'long') || !Number.isInteger(Number(k))) {
    throw new Error(`not a bench conversation: ${name}`);
  }
  return { size, k: Number(k) };
}

/** The turn's answer: text + one `lookup` call before turn K, the final text at turn K. */
export function scriptedTurn(k: number, turn: number): MockReply {
  if (turn < k) {
    return {
      text: `Step ${turn}: ${text(ASSISTANT_TEXT_CHARS, 500 + turn)}`,
      toolCalls: [{ name: TOOL_NAME, id: `call_${turn}`, arguments: { query: `q${turn}` } }],
    };
  }
  return { text: `Final answer: ${text(FINAL_TEXT_CHARS, 7777)}` };
}

/** The mock model's default script: every bench conversation, by the tool results in its history. */
export function benchScript(request: MockRequest): MockReply {
  const { k } = parseConversation(request.conversation);
  const turn = request.messages.filter((message) => message.role === 'tool').length;
  return scriptedTurn(k, turn);
}

/** Journaled steps of one run: K+1 model calls and K tool calls. */
export function stepCount(k: number): number {
  return 2 * k + 1;
}

/** The JSON schema of `lookup`'s arguments. */
export const LOOKUP_SCHEMA = {
  type: 'object',
  properties: { query: { type: 'string' } },
  required: ['query'],
  additionalProperties: false,
} as const;

/** What the raw floor journals per model call: what the core loop journals, computed without a model. */
export function minimalAnswer(
  k: number,
  turn: number,
): {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string;
} {
  const reply = scriptedTurn(k, turn);
  return {
    text: reply.text ?? '',
    toolCalls: (reply.toolCalls ?? []).map((call) => ({
      id: call.id ?? '',
      name: call.name,
      arguments: JSON.stringify(call.arguments),
    })),
    finishReason: turn < k ? 'tool_calls' : 'stop',
  };
}

export const DEFAULT_CHARS = { ASSISTANT_TEXT_CHARS, TOOL_RESULT_CHARS, FINAL_TEXT_CHARS };
