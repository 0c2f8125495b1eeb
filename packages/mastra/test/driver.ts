import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

const serviceEntry = fileURLToPath(new URL('./conformance-service.ts', import.meta.url));

/** `durableAgent(ctx, agent).generate`, `@ai-sdk/openai` Chat Completions against the scripted model. */
export const generateDriver: ConformanceDriver = {
  name: 'mastra (generate)',
  serviceEntry,
  env: { MASTRA_API: 'generate', MASTRA_TELEMETRY_DISABLED: '1' },
};

/** `durableAgent(ctx, agent).stream` for every run, `@ai-sdk/openai` Responses against the scripted model. */
export const streamDriver: ConformanceDriver = {
  name: 'mastra (stream)',
  serviceEntry,
  env: { MASTRA_API: 'stream', MASTRA_OPENAI_API: 'responses', MASTRA_TELEMETRY_DISABLED: '1' },
};
