import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

const serviceEntry = fileURLToPath(new URL('./conformance-service.ts', import.meta.url));

/** The OpenAI Agents SDK on `DurableRunner`, the real `OpenAIProvider` on the Responses API. */
export const responsesDriver: ConformanceDriver = {
  name: 'openai-agents (Responses API)',
  serviceEntry,
  env: { OPENAI_AGENTS_API: 'responses' },
};

/** The same service with the provider on Chat Completions. */
export const chatCompletionsDriver: ConformanceDriver = {
  name: 'openai-agents (Chat Completions)',
  serviceEntry,
  env: { OPENAI_AGENTS_API: 'chat' },
};
