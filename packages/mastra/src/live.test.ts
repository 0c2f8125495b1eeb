/**
 * What live streaming refuses before any step runs (no Restate needed: every check throws before `ctx` or the
 * stream is used). The streaming itself is tested on a real restate-server in test/live.test.ts.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import type { LiveStream } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { durableAgent } from './durable-agent.js';
import { durableModel, restateModel } from './durable-model.js';
import { pipeMastraStream } from './live.js';

const ctx = {} as Context;
const model = createOpenAI({ apiKey: 'unused' }).chat('gpt-4.1');
const live = { streamId: 'chat-1' } as LiveStream;
const other = { streamId: 'chat-2' } as LiveStream;
const agentOn = (agentModel: unknown, fields: Record<string, unknown> = {}) =>
  new Agent({ id: 'a', name: 'a', instructions: 'x', model: agentModel, ...fields } as never);

describe('live streaming', () => {
  it('durableAgent with live refuses a model made durable without it (its steps would stream nowhere)', () => {
    expect(() => durableAgent(ctx, agentOn(durableModel(ctx, model)), { live })).toThrow(
      /made by durableModel without live.*durableModel\(ctx, model, \{ live \}\).*restateModel/,
    );
  });

  it('durableAgent refuses a model that streams to another live stream than the run', () => {
    expect(() =>
      durableAgent(ctx, agentOn(durableModel(ctx, model, { live: other })), { live }),
    ).toThrow(/with another live stream/);
  });

  it('takes the live stream of the model, or of the run for a restateModel', () => {
    expect(() => durableAgent(ctx, agentOn(durableModel(ctx, model, { live })))).not.toThrow();
    expect(() =>
      durableAgent(ctx, agentOn(durableModel(ctx, model, { live })), { live }),
    ).not.toThrow();
    expect(() => durableAgent(ctx, agentOn(restateModel(model)), { live })).not.toThrow();
  });

  it('refuses a sub-agent whose model streams live (its steps are not steps of the turn)', async () => {
    const sub = new Agent({
      id: 'sub',
      name: 'Sub',
      description: 'A helper.',
      instructions: 'x',
      model: durableModel(ctx, model, { live }),
    });
    const parent = agentOn(restateModel(model), { agents: { sub } });
    await expect(durableAgent(ctx, parent, { live }).generate('hi')).rejects.toThrow(
      /sub-agent Sub has a model made with live/,
    );
  });

  it('pipeMastraStream refuses what is not the output of an agent stream()', async () => {
    await expect(pipeMastraStream(live, {} as never)).rejects.toThrow(
      /pass the output of a Mastra agent's stream\(\)/,
    );
  });
});
