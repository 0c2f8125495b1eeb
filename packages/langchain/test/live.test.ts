/**
 * Live streaming of a `durableChatModel` in a LangChain agent through the stream log, on a real
 * restate-server, normal and always-replay: the live kit's crash scenarios (SIGKILL mid-stream, a kill right
 * after a step, a zombie attempt, reconnect by offset, a run that fails for good, a model step that gives up)
 * against live-service.ts.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import { liveScenarios } from '@restate-agents/testing/vitest';

liveScenarios({
  name: 'langchain',
  serviceEntry: fileURLToPath(new URL('./live-service.ts', import.meta.url)),
  streamObject: agentStreamObject(),
  streamClient,
  // durableChatModel streams the model's steps; the tools run in LangChain's agent loop, which sends nothing.
  toolParts: false,
});
