/**
 * The workload as an AI SDK `generateText` loop over `@ai-sdk/openai` chat completions — the realistic
 * provider, which returns the request and response bodies with every result. The floor, the official
 * `@restatedev/vercel-ai-middleware` and `@restate-agents/ai-sdk` all run this same function.
 */
import { createOpenAI } from '@ai-sdk/openai';
import {
  generateText,
  isStepCount,
  type JSONSchema7,
  jsonSchema,
  type LanguageModel,
  tool,
} from 'ai';
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

export function openaiProvider(baseURL: string) {
  return createOpenAI({ baseURL, apiKey: 'scripted' });
}

export interface AiSdkLoopOptions {
  model: LanguageModel;
  k: number;
  size: ConversationSize;
  /** Runs the tool body: identity for the floor, a durable step otherwise. */
  runTool?: (turn: number, body: () => Promise<string>) => Promise<string>;
  /** Called inside the tool body when it really runs (not on replay): tracing and crash points. */
  onToolLive?: (turn: number) => void;
  /** Rewrites the settings, e.g. `withRestate`; also gets the tools to make them durable. */
  prepare?: <S extends Record<string, unknown>>(settings: S) => S;
}

/** The settings of one run, before any durability is applied. */
export function aiSdkSettings(options: AiSdkLoopOptions) {
  const { k, size, runTool = (_turn, body) => body(), onToolLive } = options;
  return {
    model: options.model,
    system: SYSTEM_PROMPT,
    messages: [...earlierHistory(size), { role: 'user' as const, content: USER_PROMPT }],
    tools: {
      [TOOL_NAME]: tool({
        description: 'Look up a fact in the knowledge base.',
        inputSchema: jsonSchema<{ query: string }>(LOOKUP_SCHEMA as unknown as JSONSchema7),
        execute: async ({ query }) => {
          const turn = turnOfQuery(query);
          return runTool(turn, async () => {
            onToolLive?.(turn);
            return toolResult(turn);
          });
        },
      }),
    },
    stopWhen: isStepCount(k + 1),
    maxRetries: 0,
  };
}

/** Runs the loop; returns what every configuration must agree on. */
export async function runAiSdkLoop(
  options: AiSdkLoopOptions,
): Promise<{ steps: number; text: string }> {
  const settings = aiSdkSettings(options);
  const result = await generateText(options.prepare ? options.prepare(settings) : settings);
  if (result.steps.length !== options.k + 1) {
    throw new Error(`expected ${options.k + 1} steps, the loop made ${result.steps.length}`);
  }
  return { steps: result.steps.length, text: result.text };
}
