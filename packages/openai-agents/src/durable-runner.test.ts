import { Agent, getGlobalTraceProvider } from '@openai/agents-core';
import type { Context } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DurableRunner } from './durable-runner.js';
import { durableTool } from './durable-tool.js';
import { withReplayStableTracing } from './replay-stable-tracing.js';
import { tool } from './tool.js';

// Configuration is checked before the Restate context is touched, so no context is needed here.
const noContext = {} as Context;

describe('DurableRunner configuration', () => {
  it('refuses a per-tool wall-clock timeout, naming the tool and agent', async () => {
    const timed = tool({
      name: 'timed',
      description: 'has a timeout',
      parameters: z.object({}),
      timeoutMs: 1000,
      execute: () => 'x',
    });
    const agent = new Agent({ name: 'clocky', model: 'm', tools: [timed] });
    await expect(new DurableRunner(noContext).run(agent, 'hi')).rejects.toMatchObject({
      name: 'TerminalError',
      message: expect.stringMatching(/Tool "timed" of agent "clocky" sets timeoutMs/),
    });
  });

  it('refuses modelSettings.timeoutMs and SDK-managed model retries', () => {
    expect(() => new DurableRunner(noContext, { modelSettings: { timeoutMs: 5 } })).toThrow(
      /timeoutMs is not supported/,
    );
    expect(
      () => new DurableRunner(noContext, { modelSettings: { retry: { maxRetries: 2 } } }),
    ).toThrow(/retry is not supported/);
  });

  it('runs tools one at a time and keeps tracing off unless asked', () => {
    const { config } = new DurableRunner(noContext).runner;
    expect(config.toolExecution?.maxFunctionToolConcurrency).toBe(1);
    expect(config.tracingDisabled).toBe(true);
    const tracing = new DurableRunner(noContext, { tracingDisabled: false }).runner.config;
    expect(tracing.tracingDisabled).toBe(false);
  });
});

describe('toolConcurrency', () => {
  const durable = durableTool({
    name: 'durable',
    description: 'one step',
    parameters: z.object({}),
    execute: () => 'x',
  });
  const plain = tool({
    name: 'plain',
    description: 'awaits what it likes',
    parameters: z.object({}),
    execute: () => 'x',
  });

  it('sets the SDK concurrency, default 1', () => {
    const { config } = new DurableRunner(noContext, { toolConcurrency: 3 }).runner;
    expect(config.toolExecution?.maxFunctionToolConcurrency).toBe(3);
  });

  it('refuses a plain tool, naming it, when tools run in parallel', async () => {
    const agent = new Agent({ name: 'busy', model: 'm', tools: [durable, plain] });
    await expect(
      new DurableRunner(noContext, { toolConcurrency: 2 }).run(agent, 'hi'),
    ).rejects.toMatchObject({
      name: 'TerminalError',
      message: expect.stringMatching(/Tool "plain" of agent "busy" is not a durableTool/),
    });
  });

  it('refuses a plain tool on a handoff target too', async () => {
    const target = new Agent({ name: 'target', model: 'm', tools: [plain] });
    const agent = new Agent({ name: 'front', model: 'm', tools: [durable], handoffs: [target] });
    await expect(
      new DurableRunner(noContext, { toolConcurrency: 2 }).run(agent, 'hi'),
    ).rejects.toThrow(/Tool "plain" of agent "target"/);
  });

  it('refuses a concurrency that is not a whole number of at least 1, or set twice', () => {
    expect(() => new DurableRunner(noContext, { toolConcurrency: 0 })).toThrow(/at least 1/);
    expect(() => new DurableRunner(noContext, { toolConcurrency: 1.5 })).toThrow(/at least 1/);
    expect(
      () =>
        new DurableRunner(noContext, {
          toolConcurrency: 2,
          toolExecution: { maxFunctionToolConcurrency: 2 },
        }),
    ).toThrow(/not both/);
  });
});

describe('replay-stable tracing ids', () => {
  it('derives the same id sequence from the same invocation id, and another from another', () => {
    const provider = getGlobalTraceProvider();
    const ids = (invocationId: string) =>
      withReplayStableTracing(invocationId, () => [
        provider.generateTraceId(),
        provider.generateSpanId(),
      ]);
    const first = ids('inv_1');
    expect(first[0]).toMatch(/^trace_[0-9a-f]{32}$/);
    expect(first[1]).toMatch(/^span_[0-9a-f]{24}$/);
    expect(ids('inv_1')).toEqual(first);
    expect(ids('inv_2')).not.toEqual(first);
  });
});
