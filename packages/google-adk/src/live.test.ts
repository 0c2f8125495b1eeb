import type { LlmResponse } from '@google/adk';
import { describe, expect, it } from 'vitest';
import { textDeltas } from './live.js';

const partial = (text: string): LlmResponse => ({
  content: { role: 'model', parts: [{ text }] },
  partial: true,
});
const final = (parts: object[]): LlmResponse => ({ content: { role: 'model', parts } });

/** What the responses show, delta by delta, as the preview and the journaled step both compute it. */
const shown = (responses: LlmResponse[]): string[] => responses.map(textDeltas());

describe('textDeltas', () => {
  it("shows an SSE stream's partials once: the aggregated final response adds nothing they showed", () => {
    expect(
      shown([partial('Let '), partial('me look.'), final([{ text: 'Let me look.' }])]),
    ).toEqual(['Let ', 'me look.', '']);
  });

  it("shows the text of a chunk that carried a function call too (ADK's aggregator never yields it partial)", () => {
    // ADK's non-progressive aggregator: 'Hello ' partial; 'world' + a call → the aggregate, then the call.
    expect(
      shown([
        partial('Hello '),
        final([{ text: 'Hello world' }]),
        final([{ functionCall: { name: 'lookup', args: {} } }]),
        partial('Done'),
        final([{ text: 'Done' }]),
      ]).join(''),
    ).toBe('Hello worldDone');
  });

  it('shows a whole answer at once without streaming, thoughts left out', () => {
    expect(shown([final([{ text: 'plan', thought: true }, { text: 'Answer.' }])])).toEqual([
      'Answer.',
    ]);
  });

  it('shows all of a final response that does not continue its partials', () => {
    expect(shown([partial('draft'), final([{ text: 'Other.' }])])).toEqual(['draft', 'Other.']);
  });
});
