import type { LlmRequest, LlmResponse } from '@google/adk';
import { FinishReason } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { attemptRequest, fillFunctionCallIds, journalable } from './durable-model.js';

/** ADK's `LlmResponse` of a Gemini answer (`createLlmResponse` in ADK's google_llm): no function-call ids. */
function geminiResponse(parts: object[]): LlmResponse {
  return {
    content: { role: 'model', parts },
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    finishReason: FinishReason.STOP,
  };
}

describe('the model step', () => {
  it("turns @google/genai's retries off for the attempt, leaving the agent's request as it was", () => {
    const request: LlmRequest = {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      toolsDict: {},
      liveConnectConfig: {},
      config: {
        temperature: 0,
        httpOptions: { baseUrl: 'http://model', retryOptions: { attempts: 5 }, timeout: 1000 },
      },
    };
    const attempt = attemptRequest(request);
    expect(attempt.config?.httpOptions).toEqual({
      baseUrl: 'http://model',
      timeout: 1000,
      retryOptions: { attempts: 1 },
    });
    expect(attempt.config?.temperature).toBe(0);
    // ADK's Gemini class appends to the contents and sets the abort signal on the config it is given.
    attempt.contents.push({ role: 'user', parts: [{ text: 'appended' }] });
    expect(request.contents).toHaveLength(1);
    expect(request.config?.httpOptions?.retryOptions).toEqual({ attempts: 5 });
    expect(attemptRequest({ contents: [], toolsDict: {}, liveConnectConfig: {} }).config).toEqual({
      httpOptions: { retryOptions: { attempts: 1 } },
    });
  });

  it('fills the function-call ids the Gemini API does not send, the same in partial and final responses', () => {
    const call = (name: string) => ({ functionCall: { name, args: { q: name } } });
    const partial = { ...geminiResponse([call('a')]), partial: true };
    const final = geminiResponse([{ text: 'Looking.' }, call('a'), call('b')]);
    const given = geminiResponse([{ functionCall: { id: 'kept', name: 'c', args: {} } }]);
    fillFunctionCallIds([partial, final, given], (n) => `adk-step-${n}`);
    const ids = (response: LlmResponse) =>
      (response.content?.parts ?? []).flatMap((part) =>
        part.functionCall ? [part.functionCall.id] : [],
      );
    expect(ids(partial)).toEqual(['adk-step-0']);
    expect(ids(final)).toEqual(['adk-step-0', 'adk-step-1']);
    expect(ids(given)).toEqual(['kept']);
  });

  it('journals the answer (content, usage, finish reason), not live-connection bookkeeping', () => {
    const response: LlmResponse = {
      ...geminiResponse([{ text: 'Hello' }]),
      goAway: { timeLeft: '1s' },
      liveSessionResumptionUpdate: { newHandle: 'h' },
    };
    expect(journalable(response)).toEqual({
      content: { role: 'model', parts: [{ text: 'Hello' }] },
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
      finishReason: 'STOP',
    });
  });
});
