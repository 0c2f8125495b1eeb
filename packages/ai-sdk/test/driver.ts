import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

const serviceEntry = fileURLToPath(new URL('./conformance-service.ts', import.meta.url));

/** `generateText` through `withRestate`, `@ai-sdk/openai` chat completions against the scripted model. */
export const generateTextDriver: ConformanceDriver = {
  name: 'ai-sdk (generateText)',
  serviceEntry,
  env: { AI_SDK_API: 'generateText' },
};

/** `streamText` for every model call through `withRestate`, `@ai-sdk/openai` against the scripted model. */
export const streamTextDriver: ConformanceDriver = {
  name: 'ai-sdk (streamText)',
  serviceEntry,
  env: { AI_SDK_API: 'streamText', AI_SDK_OPENAI_API: 'responses' },
};
