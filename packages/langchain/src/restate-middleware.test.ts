import type { Context } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { restateMiddleware } from './restate-middleware.js';

describe('restateMiddleware hooks', () => {
  it('registers only the hooks that can end the run: no beforeModel node per model call', () => {
    // Each hook is one graph node createAgent runs (per model call for the model hooks), and each node
    // run costs LangChain's callback and tracing setup; a held control error is thrown by afterModel
    // (after a model node that does not call the model) or afterAgent (after a returnDirect tool).
    const middleware = restateMiddleware({} as Context);
    expect(middleware.beforeModel).toBeUndefined();
    expect(middleware.beforeAgent).toBeUndefined();
    expect(middleware.afterModel).toBeDefined();
    expect(middleware.afterAgent).toBeDefined();
    expect(middleware.wrapModelCall).toBeDefined();
    expect(middleware.wrapToolCall).toBeDefined();
  });
});
