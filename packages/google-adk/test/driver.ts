import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

/**
 * Google ADK (`LlmAgent` + `Runner` through `runDurably`) on ADK's `Gemini` model, `@google/genai` against
 * the scripted model's Gemini API; test/conformance-service.ts serves the contract with this adapter.
 */
export const driver: ConformanceDriver = {
  name: 'google-adk (Gemini API)',
  serviceEntry: fileURLToPath(new URL('./conformance-service.ts', import.meta.url)),
  // ADK logs every model request at info level; the suite prints the service output only on failure.
  env: { ADK_LOG_LEVEL: 'warn' },
};
