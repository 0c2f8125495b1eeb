import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

/** A `createAgent` agent over `ChatOpenAI`, made durable by `restateMiddleware`. */
export const createAgentDriver: ConformanceDriver = {
  name: 'langchain (createAgent + restateMiddleware)',
  serviceEntry: fileURLToPath(new URL('./agent-service.ts', import.meta.url)),
};

/** A hand-written loop over `durableChatModel(ctx, ChatOpenAI).bindTools(...)`. */
export const chatModelLoopDriver: ConformanceDriver = {
  name: 'langchain (durableChatModel loop)',
  serviceEntry: fileURLToPath(new URL('./loop-service.ts', import.meta.url)),
};
