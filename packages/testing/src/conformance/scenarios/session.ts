import assert from 'node:assert/strict';
import type { Scenario } from './scenario.js';

export const sessionKeptAcrossInvocations: Scenario = {
  name: 'session-state',
  title: 'the conversation is kept in Virtual Object state across two invocations on one session',
  async run(context) {
    context.script((request) => {
      const userTexts = request.messages
        .filter((message) => message.role === 'user')
        .map((m) => m.text);
      const assistantTexts = request.messages
        .filter((message) => message.role === 'assistant')
        .map((m) => m.text);
      return {
        text: `turn ${userTexts.length}; I remember: ${[...userTexts, ...assistantTexts].join(' | ')}`,
      };
    });
    const first = await context.result(await context.start({ prompt: 'my name is Ada' }));
    assert.equal(first.text, 'turn 1; I remember: my name is Ada');
    const second = await context.result(await context.start({ prompt: 'what is my name?' }));
    assert.equal(
      second.text,
      'turn 2; I remember: my name is Ada | what is my name? | turn 1; I remember: my name is Ada',
    );
  },
};
