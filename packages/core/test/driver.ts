import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

/** core's conformance driver: the hand-written `openai` chat-completions loop on `durableStep`. */
export const plainOpenAIDriver: ConformanceDriver = {
  name: 'plain openai + core',
  serviceEntry: fileURLToPath(new URL('./plain-openai-service.ts', import.meta.url)),
};
