import type { Context } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { restateMiddleware } from './restate-middleware.js';

describe('restateMiddleware hooks', () => {
  it('registers no node hooks: only wrapModelCall and wrapToolCall, which run inside existing nodes', () => {
    // Each node hook is one graph node createAgent runs (per model call for the model hooks), and each
    // node run costs LangChain's callback, tracing and channel work. A held control error ends the run from
    // the model node (the stand-in answer), invalid tool calls are answered by a Command from wrapModelCall.
    const middleware = restateMiddleware({} as Context);
    expect(middleware.beforeAgent).toBeUndefined();
    expect(middleware.beforeModel).toBeUndefined();
    expect(middleware.afterModel).toBeUndefined();
    expect(middleware.afterAgent).toBeUndefined();
    expect(middleware.wrapModelCall).toBeDefined();
    expect(middleware.wrapToolCall).toBeDefined();
  });
});
