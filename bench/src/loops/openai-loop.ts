/**
 * The workload as a hand-written `openai` chat-completions loop — the "any LLM SDK" path. The floor runs
 * it with plain calls; the core configuration wraps every model call and tool call in `durableStep`. What
 * one model call keeps is the answer only (text, tool calls, finish reason, usage), as core recommends.
 */
import OpenAI from 'openai';
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import {
  type ConversationSize,
  earlierHistory,
  LOOKUP_SCHEMA,
  SYSTEM_PROMPT,
  TOOL_NAME,
  toolResult,
  turnOfQuery,
  USER_PROMPT,
} from '../workload.ts';

export interface ModelAnswer {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string | null;
  usage?: { promptTokens: number; completionTokens: number };
}

type Step = <T>(name: string, action: () => Promise<T>) => Promise<T>;

export interface OpenAiLoopOptions {
  client: OpenAI;
  conversation: string;
  k: number;
  size: ConversationSize;
  /** Identity for the floor, `durableStep` for core. */
  step?: Step;
  onToolLive?: (turn: number) => void;
}

export function openaiClient(baseURL: string): OpenAI {
  // Restate owns retries (R1); the floor gets the same setting so both make one request per call.
  return new OpenAI({ baseURL, apiKey: 'scripted', maxRetries: 0 });
}

const tools = [
  {
    type: 'function' as const,
    function: {
      name: TOOL_NAME,
      description: 'Look up a fact in the knowledge base.',
      parameters: LOOKUP_SCHEMA as unknown as Record<string, unknown>,
    },
  },
];

export async function callModel(
  client: OpenAI,
  model: string,
  messages: ChatCompletionMessageParam[],
): Promise<ModelAnswer> {
  const completion = await client.chat.completions.create({ model, messages, tools });
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

export async function runOpenAiLoop(
  options: OpenAiLoopOptions,
): Promise<{ steps: number; text: string }> {
  const { client, conversation, k, size, onToolLive } = options;
  const step: Step = options.step ?? ((_name, action) => action());
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    ...earlierHistory(size),
    { role: 'user', content: USER_PROMPT },
  ];
  for (let turn = 0; turn <= k; turn++) {
    const answer = await step('openai:chat', () => callModel(client, conversation, messages));
    messages.push({
      role: 'assistant',
      content: answer.text,
      ...(answer.toolCalls.length > 0 && {
        tool_calls: answer.toolCalls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: call.arguments },
        })),
      }),
    });
    if (answer.toolCalls.length === 0) {
      if (turn !== k)
        throw new Error(`expected ${k + 1} model calls, the loop stopped at ${turn + 1}`);
      return { steps: turn + 1, text: answer.text };
    }
    for (const call of answer.toolCalls) {
      const { query } = JSON.parse(call.arguments) as { query: string };
      const result = await step(`tool:${call.name}`, async () => {
        onToolLive?.(turnOfQuery(query));
        return toolResult(turnOfQuery(query));
      });
      messages.push({ role: 'tool', tool_call_id: call.id, content: result });
    }
  }
  throw new Error(`the loop did not finish within ${k + 1} model calls`);
}
