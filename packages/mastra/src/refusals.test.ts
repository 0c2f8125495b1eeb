/**
 * What the adapter refuses before any step runs: each option that would defeat the journal ends with an
 * error naming it and what to do instead. No Restate needed: every check throws before `ctx` is used.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { createScorer } from '@mastra/core/evals';
import { ModerationProcessor, PIIDetector, RegexFilterProcessor } from '@mastra/core/processors';
import { createTool } from '@mastra/core/tools';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { Memory } from '@mastra/memory';
import { RepeatingFailureError } from '@restate-agents/core';
import { type Context, TerminalError } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableAgent } from './durable-agent.js';
import { durableModel, restateModel } from './durable-model.js';
import { durableWorkflow } from './durable-workflow.js';
import { restateContext } from './restate-context.js';
import { withRestate } from './with-restate.js';

const ctx = {} as Context;
const model = createOpenAI({ apiKey: 'unused' }).chat('gpt-4.1');
const agentWith = (fields: Record<string, unknown>) =>
  new Agent({
    id: 'a',
    name: 'a',
    instructions: 'x',
    model: restateModel(model),
    ...fields,
  } as never);

describe('withRestate', () => {
  it.each([
    [{ modelSettings: { timeout: 1000 } }, /modelSettings\.timeout.*attemptTimeout/],
    [{ modelSettings: { maxRetries: 2 } }, /modelSettings\.maxRetries 2.*maxRetryAttempts/],
    [{ toolCallConcurrency: 3 }, /toolCallConcurrency 3/],
    [{ toolCallConcurrency: { limit: 8, strategy: 'called' } }, /toolCallConcurrency 8/],
    [{ toolCallConcurrency: 0 }, /toolCallConcurrency must be a whole number of at least 1, got 0/],
    [{ eagerToolExecution: true }, /eagerToolExecution/],
    [{ disableBackgroundTasks: false }, /background tasks/],
    [{ durable: true }, /`durable` is Mastra's own durable loop/],
    [{ memory: { thread: 't', options: { generateTitle: true } } }, /generateTitle/],
    [{ scorers: { relevance: { scorer: 'relevance' } } }, /scorers are started after the run/],
  ])('refuses %j', (callOptions, message) => {
    expect(() => withRestate(ctx, callOptions as never)).toThrow(message);
  });
  it('a refusal ends the invocation at once: a TerminalError, not retried', () => {
    let error: unknown;
    try {
      withRestate(ctx, { eagerToolExecution: true });
    } catch (caught) {
      error = caught;
    }
    expect(RepeatingFailureError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(TerminalError);
  });
});

describe('durableAgent', () => {
  it('refuses an agent-level maxRetries, which Mastra applies over the call settings', () => {
    expect(() => durableAgent(ctx, agentWith({ maxRetries: 2 }))).toThrow(
      /has maxRetries 2, which Mastra applies over the call's maxRetries: 0/,
    );
  });
  it('refuses a fallback model with retries', () => {
    const agent = agentWith({ model: [{ model: restateModel(model), maxRetries: 1 }] });
    expect(() => durableAgent(ctx, agent)).toThrow(/a fallback model of a has maxRetries 1/);
  });
  it("refuses Mastra's own durable loop", () => {
    expect(() => durableAgent(ctx, agentWith({ durable: true }))).toThrow(/has `durable` set/);
  });
  it('refuses a model that is not durable, and a model router id', () => {
    expect(() => durableAgent(ctx, agentWith({ model }))).toThrow(
      /has a model that is not durable: its calls would not be journaled/,
    );
    expect(() => durableAgent(ctx, agentWith({ model: 'openai/gpt-4.1' }))).toThrow(
      /has the model router id "openai\/gpt-4.1"/,
    );
  });
  it('accepts restateModel and durableModel', () => {
    expect(() => durableAgent(ctx, agentWith({}))).not.toThrow();
    expect(durableModel(ctx, durableModel(ctx, model) as never)).toBeDefined();
  });
  it("refuses a tool with Mastra's native requireApproval when the run starts", async () => {
    const refund = createTool({
      id: 'refund',
      description: 'Refunds.',
      inputSchema: z.object({}),
      requireApproval: true,
      execute: async () => 'done',
    });
    const agent = agentWith({ tools: { refund } });
    await expect(durableAgent(ctx, agent).generate('hi')).rejects.toThrow(
      /refund has requireApproval.*requireToolApproval/,
    );
  });
  it('refuses agent.network(), pointing at sub-agents', async () => {
    await expect(durableAgent(ctx, agentWith({})).network('route this')).rejects.toThrow(
      /agent\.network\(\) is not supported.*as sub-agents \(`agents: \{ … \}`\)/,
    );
  });
  it('refuses an agent with workflows (Mastra runs them as tools on its workflow engine)', async () => {
    const step = createStep({
      id: 'noop',
      inputSchema: z.object({}),
      outputSchema: z.object({}),
      execute: async () => ({}),
    });
    const flow = createWorkflow({
      id: 'flow',
      inputSchema: z.object({}),
      outputSchema: z.object({}),
    })
      .then(step)
      .commit();
    await expect(
      durableAgent(ctx, agentWith({ workflows: { flow } })).generate('hi'),
    ).rejects.toThrow(/a has workflows \(flow\).*outside the journal/);
  });
  it('refuses an agent with scorers (fire-and-forget judge calls)', async () => {
    const relevance = createScorer({ id: 'relevance', description: 'x' }).generateScore(() => 1);
    await expect(
      durableAgent(ctx, agentWith({ scorers: { relevance: { scorer: relevance } } })).generate(
        'hi',
      ),
    ).rejects.toThrow(/a has scorers \(relevance\).*outside the journal/);
  });
  it('checks sub-agents as the agent: a sub-agent with maxRetries is refused when the run starts', async () => {
    const helper = agentWith({ id: 'helper', name: 'helper', maxRetries: 3 });
    await expect(
      durableAgent(ctx, agentWith({ agents: { helper } })).generate('hi'),
    ).rejects.toThrow(/sub-agent helper has maxRetries 3/);
  });
});

describe('durableWorkflow', () => {
  const step = (id: string) =>
    createStep({
      id,
      inputSchema: z.any(),
      outputSchema: z.any(),
      execute: async ({ inputData }) => inputData,
    });
  const flow = (id: string) => createWorkflow({ id, inputSchema: z.any(), outputSchema: z.any() });
  it('refuses a .foreach() with concurrency > 1', async () => {
    const workflow = flow('batch').foreach(step('item'), { concurrency: 4 }).commit();
    await expect(durableWorkflow(ctx, workflow).start({ inputData: [] })).rejects.toThrow(
      /batch has a \.foreach\(\) with concurrency 4/,
    );
  });
  it('refuses a nested workflow', async () => {
    const inner = flow('inner').then(step('a')).commit();
    const outer = flow('outer').then(inner).commit();
    await expect(durableWorkflow(ctx, outer).start({ inputData: {} })).rejects.toThrow(
      /outer has the nested workflow inner/,
    );
  });
  it('checks an agent step as durableAgent checks an agent', async () => {
    const workflow = flow('agentic')
      .then(createStep(agentWith({ id: 'writer', name: 'writer', maxRetries: 2 })))
      .commit();
    await expect(durableWorkflow(ctx, workflow).start({ inputData: {} })).rejects.toThrow(
      /the agent step writer has maxRetries 2/,
    );
  });
});

describe('processors and memory features that cannot be journaled', () => {
  const moderation = () => new ModerationProcessor({ model: restateModel(model) as never });
  // Only `Memory`'s constructor sees them: semantic recall refuses to start without both.
  const vector = { query: async () => [], upsert: async () => [], createIndex: async () => {} };
  const embedder = { specificationVersion: 'v2', doEmbed: async () => ({ embeddings: [] }) };
  it.each([
    [
      { inputProcessors: [moderation()] },
      /the call has the processor moderation, which calls a model through its agent/,
    ],
    [
      { outputProcessors: [new PIIDetector({ model: restateModel(model) as never })] },
      /the processor pii-detector, which calls a model/,
    ],
    [
      { memory: { thread: 't', options: { semanticRecall: true } } },
      /the call has memory semanticRecall, which embeds every message/,
    ],
    [
      { memory: { thread: 't', options: { observationalMemory: { enabled: true } } } },
      /memory observationalMemory, which makes observer and reflector model calls/,
    ],
  ])('withRestate refuses %#', (callOptions, message) => {
    expect(() => withRestate(ctx, callOptions as never)).toThrow(message);
  });
  it('withRestate accepts processors that only transform, and memory features turned off', () => {
    const regex = new RegexFilterProcessor({ presets: ['pii'], strategy: 'redact' });
    expect(() =>
      withRestate(ctx, {
        runId: 'run', // the empty ctx here has no invocation id to derive it from
        inputProcessors: [regex],
        outputProcessors: [regex],
        memory: {
          thread: 't',
          options: { semanticRecall: false, observationalMemory: { enabled: false } },
        },
      } as never),
    ).not.toThrow();
  });
  it("refuses an agent's model-calling processor when the run starts", async () => {
    await expect(
      durableAgent(ctx, agentWith({ inputProcessors: [moderation()] })).generate('hi'),
    ).rejects.toThrow(/durableAgent: a has the processor moderation.*RegexFilterProcessor/);
  });
  it('refuses a processor workflow', async () => {
    const workflow = createWorkflow({ id: 'guard', inputSchema: z.any(), outputSchema: z.any() })
      .then(
        createStep({
          id: 's',
          inputSchema: z.any(),
          outputSchema: z.any(),
          execute: async ({ inputData }) => inputData,
        }),
      )
      .commit();
    await expect(
      durableAgent(ctx, agentWith({ inputProcessors: [workflow] })).generate('hi'),
    ).rejects.toThrow(/a has the processor workflow guard/);
  });
  it("refuses the agent's memory with semantic recall, naming the option", async () => {
    const memory = new Memory({
      vector: vector as never,
      embedder: embedder as never,
      options: { semanticRecall: { topK: 3, messageRange: 2 } },
    });
    await expect(durableAgent(ctx, agentWith({ memory })).generate('hi')).rejects.toThrow(
      /durableAgent: a has memory semanticRecall.*Turn semanticRecall off for durable runs/,
    );
  });
  it("refuses the agent's memory with observational memory", async () => {
    const memory = new Memory({ options: { observationalMemory: true } });
    await expect(durableAgent(ctx, agentWith({ memory })).generate('hi')).rejects.toThrow(
      /durableAgent: a has memory observationalMemory/,
    );
  });
  it('the call can turn semantic recall off for a memory that has it', async () => {
    const memory = new Memory({
      vector: vector as never,
      embedder: embedder as never,
      options: { semanticRecall: true },
    });
    // The check passes; the run then needs a real `ctx` (the empty one here fails further on).
    await expect(
      durableAgent(ctx, agentWith({ memory })).generate('hi', {
        memory: { thread: 't', resource: 'r', options: { semanticRecall: false } },
      }),
    ).rejects.not.toThrow(/semanticRecall/);
  });
});

describe('durableModel and restateContext', () => {
  it('durableModel refuses a model router id', () => {
    expect(() => durableModel(ctx, 'openai/gpt-4.1' as never)).toThrow(
      /needs an AI SDK 7 language model instance.*the model id "openai\/gpt-4.1"/,
    );
  });
  it('restateContext outside a durable run names the way in', () => {
    expect(() => restateContext({ requestContext: undefined })).toThrow(
      /no Restate context in the request context; run the agent through durableAgent/,
    );
  });
});
