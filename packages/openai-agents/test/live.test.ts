/**
 * Live streaming of a streamed `DurableRunner` run through the stream log, on a real restate-server, normal
 * and always-replay: the live kit's crash scenarios (SIGKILL mid-stream, a kill right after a step, a
 * zombie attempt, reconnect by offset, a run that fails for good, a model step that gives up) against
 * live-service.ts.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import { liveScenarios } from '@restate-agents/testing/vitest';

liveScenarios({
  name: 'openai-agents',
  serviceEntry: fileURLToPath(new URL('./live-service.ts', import.meta.url)),
  streamObject: agentStreamObject(),
  streamClient,
});
