import { describe, expect, it } from 'vitest';
import { modelStepName, nextModelStepName, toolStepName } from './step-names.js';

describe('nextModelStepName', () => {
  it('counts per attempt and SDK, shared by wrappers of the context, from 1 again on a new attempt', () => {
    const request = { id: 'inv_1' };
    const ctx = { request: () => request } as never;
    const wrapper = { request: () => request } as never;
    expect(nextModelStepName(ctx, 'ai-sdk')).toBe('ai-sdk:model:1');
    expect(nextModelStepName(wrapper, 'ai-sdk')).toBe('ai-sdk:model:2');
    // Another SDK in the same attempt keeps its own count (an adapter built on another one).
    expect(nextModelStepName(ctx, 'mastra')).toBe('mastra:model:1');
    expect(nextModelStepName(ctx, 'ai-sdk')).toBe('ai-sdk:model:3');
    // A replay is a new attempt with a new request object: the same names again.
    const replay = { request: () => ({ id: 'inv_1' }) } as never;
    expect(nextModelStepName(replay, 'ai-sdk')).toBe('ai-sdk:model:1');
  });

  it('uses the one scheme of modelStepName and toolStepName', () => {
    expect(modelStepName('langchain', 4)).toBe('langchain:model:4');
    expect(toolStepName('openai-agents', 'charge', 'call_1')).toBe(
      'openai-agents:tool:charge:call_1',
    );
  });
});
