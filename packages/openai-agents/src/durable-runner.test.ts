import { RealtimeAgent } from '@openai/agents/realtime';
import {
  Agent,
  applyPatchTool,
  computerTool,
  getGlobalTraceProvider,
  shellTool,
} from '@openai/agents-core';
import { SandboxAgent } from '@openai/agents-core/sandbox';
import type { LiveStream } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableAgentTool } from './durable-agent-tool.js';
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

  it('a runner with a live stream refuses a run that is not streamed (its turn would never end)', async () => {
    const live = { streamId: 's' } as LiveStream;
    const agent = new Agent({ name: 'chatty', model: 'm' });
    await expect(new DurableRunner(noContext, { live }).run(agent, 'hi')).rejects.toThrow(
      /has a live stream, so run with \{ stream: true \}/,
    );
  });

  it('refuses modelSettings.timeoutMs and SDK-managed model retries', () => {
    expect(() => new DurableRunner(noContext, { modelSettings: { timeoutMs: 5 } })).toThrow(
      /timeoutMs is not supported/,
    );
    expect(
      () => new DurableRunner(noContext, { modelSettings: { retry: { maxRetries: 2 } } }),
    ).toThrow(/retry is not supported/);
  });

  it('refuses computer, local shell and apply-patch tools, naming the tool, its kind and the way out', async () => {
    const local = [
      computerTool({
        computer: {
          environment: 'ubuntu',
          dimensions: [800, 600],
          screenshot: async () => '',
          click: async () => {},
          doubleClick: async () => {},
          drag: async () => {},
          keypress: async () => {},
          move: async () => {},
          scroll: async () => {},
          type: async () => {},
          wait: async () => {},
        },
      }),
      shellTool({ shell: { run: async () => ({ output: [] }) } }),
      applyPatchTool({
        editor: {
          createFile: async () => {},
          updateFile: async () => {},
          deleteFile: async () => {},
        },
      }),
    ];
    for (const candidate of local) {
      const agent = new Agent({ name: 'operator', model: 'm', tools: [candidate] });
      await expect(new DurableRunner(noContext).run(agent, 'hi')).rejects.toMatchObject({
        name: 'TerminalError',
        message: expect.stringMatching(
          new RegExp(
            `Tool "${candidate.name}" \\(${candidate.type}\\) of agent "operator" .*durableTool`,
          ),
        ),
      });
    }
  });

  it('refuses voice and sandbox agents, the sandbox option, the Codex tool and conversationId, naming them', async () => {
    const run = (agent: Agent, options: object = {}, runnerOptions: object = {}) =>
      new DurableRunner(noContext, runnerOptions).run(agent, 'hi', options);
    const plain = new Agent({ name: 'plain', model: 'm' });
    await expect(run(new RealtimeAgent({ name: 'voice' }) as never)).rejects.toThrow(
      /agent "voice" is a RealtimeAgent/,
    );
    await expect(run(new SandboxAgent({ name: 'box', model: 'm' }) as never)).rejects.toThrow(
      /agent "box" is a SandboxAgent/,
    );
    // A handoff target is checked too.
    await expect(
      run(
        new Agent({
          name: 'triage',
          model: 'm',
          handoffs: [new RealtimeAgent({ name: 'v' }) as never],
        }),
      ),
    ).rejects.toThrow(/agent "v" is a RealtimeAgent/);
    await expect(run(plain, { sandbox: {} })).rejects.toThrow(
      /run options.sandbox is not supported/,
    );
    expect(() => new DurableRunner(noContext, { sandbox: {} as never })).toThrow(
      /RunConfig.sandbox is not supported/,
    );
    await expect(run(plain, { conversationId: 'conv_1' })).rejects.toThrow(
      /conversationId is not supported by DurableRunner/,
    );
    // The shape codexTool (@openai/agents-extensions) gives its tool: named codex or codex_…, taking inputs.
    const codex = tool({
      name: 'codex_engineer',
      description: 'Runs Codex',
      parameters: z.object({
        inputs: z.array(z.object({ type: z.literal('text'), text: z.string() })),
      }),
      execute: () => 'edited',
    });
    await expect(run(new Agent({ name: 'lead', model: 'm', tools: [codex] }))).rejects.toThrow(
      /Tool "codex_engineer" of agent "lead" is the Codex tool/,
    );
  });

  it('refuses durableAgentTool options it cannot honour, naming them', () => {
    const inner = new Agent({ name: 'inner', model: 'm' });
    expect(() => durableAgentTool(inner, { onStream: () => {} } as never)).toThrow(
      /onStream is not supported/,
    );
    expect(() => durableAgentTool(inner, { runOptions: { stream: true } })).toThrow(
      /runOptions.stream is not supported/,
    );
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
  // Only `request().id` of the context is read; each replay attempt gets a new context object.
  const attempt = (invocationId: string) => {
    const request = { id: invocationId };
    return { request: () => request } as unknown as Context;
  };
  const provider = getGlobalTraceProvider();
  const ids = (ctx: Context) =>
    withReplayStableTracing(ctx, () => [provider.generateTraceId(), provider.generateSpanId()]);

  it('derives the same id sequence from the same invocation id, and another from another', () => {
    const first = ids(attempt('inv_1'));
    expect(first[0]).toMatch(/^trace_[0-9a-f]{32}$/);
    expect(first[1]).toMatch(/^span_[0-9a-f]{24}$/);
    expect(ids(attempt('inv_1'))).toEqual(first);
    expect(ids(attempt('inv_2'))).not.toEqual(first);
  });

  it('a second or nested run in the same invocation continues the sequence instead of repeating it', () => {
    const ctx = attempt('inv_3');
    const first = ids(ctx);
    const nested = withReplayStableTracing(ctx, () => ids(ctx));
    const second = ids(ctx);
    expect(new Set([...first, ...nested, ...second]).size).toBe(6);
    // And a replay (a new attempt, so a new context object) produces the same three runs' ids again.
    const replay = attempt('inv_3');
    expect([
      ...ids(replay),
      ...withReplayStableTracing(replay, () => ids(replay)),
      ...ids(replay),
    ]).toEqual([...first, ...nested, ...second]);
  });
});
