/**
 * The ADK patterns of docs/adapters/google-adk.md, each an agent tree of ADK's own building blocks made durable
 * with `withRestate` and run through `runDurably`, against the scripted model's Gemini API. Each agent of a
 * tree talks to its own scripted conversation (`<model>-<agent>`). `record` journals its side effect (the
 * ledger counts it) and passes the crash point, so the test can SIGKILL the process right after it.
 */
import {
  AgentTool,
  type BaseAgent,
  type BaseTool,
  BaseToolset,
  FunctionTool,
  Gemini,
  InMemoryArtifactService,
  InMemoryMemoryService,
  LlmAgent,
  LoopAgent,
  ParallelAgent,
  Runner,
  SequentialAgent,
} from '@google/adk';
import { durableStep, toolStepName } from '@restate-agents/core';
import { CONFORMANCE_ENV, CRASH_AFTER_SIDE_EFFECT, postToLedger } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import {
  durableToolset,
  RestatePlugin,
  RestateSessionService,
  restateContext,
  runDurably,
  SDK,
  withRestate,
} from '../src/index.js';

/** The object the pattern test calls; its key is the session. */
export const PATTERNS_OBJECT = 'AdkPatterns';

export type Pattern =
  | 'sequential'
  | 'loop'
  | 'agent-tool'
  | 'transfer'
  | 'state'
  | 'parallel'
  | 'toolset'
  | 'approval-edit'
  | 'not-durable'
  | 'callbacks'
  | 'in-memory-artifacts'
  | 'in-memory-memory';

export interface PatternInput {
  pattern: Pattern;
  /** The scripted conversations are `<model>-<agent name>`. */
  model: string;
  prompt: string;
}

const baseUrl = process.env[CONFORMANCE_ENV.geminiBaseUrl];

const record = new FunctionTool({
  name: 'record',
  description: 'Records an id.',
  parameters: z.object({ id: z.string() }),
  execute: async ({ id }, toolContext) => {
    const ctx = restateContext<restate.ObjectContext>(toolContext);
    await durableStep(ctx, toolStepName(SDK, 'record', toolContext?.functionCallId ?? ''), () =>
      postToLedger('record', { session: ctx.key, id }),
    );
    // ADK's session state: `{last_recorded}` in an instruction reads it back.
    toolContext?.state.set('last_recorded', id);
    crashPoint(CRASH_AFTER_SIDE_EFFECT);
    return `recorded ${id}`;
  },
});

function llm(
  model: string,
  name: string,
  extra: Partial<ConstructorParameters<typeof LlmAgent>[0]> = {},
) {
  return new LlmAgent({
    name,
    description: `The ${name} agent.`,
    instruction: `You are ${name}.`,
    model: new Gemini({ model: `${model}-${name}`, apiKey: 'scripted' }),
    generateContentConfig: { httpOptions: { ...(baseUrl === undefined ? {} : { baseUrl }) } },
    tools: [record],
    ...extra,
  });
}

/**
 * A toolset in the shape of `MCPToolset` (ADK calls `getTools` on every agent step): each listing is posted to
 * the ledger as an `event`, each call of its `lookup` tool as a `record`.
 */
class LedgerToolset extends BaseToolset {
  readonly session: string;
  constructor(session: string) {
    super([]);
    this.session = session;
  }
  override async getTools(): Promise<BaseTool[]> {
    await postToLedger('event', { session: this.session, event: 'list-tools' });
    return [
      new FunctionTool({
        name: 'lookup',
        description: 'Looks an id up on the server.',
        parameters: z.object({ id: z.string() }),
        execute: async ({ id }) => {
          await postToLedger('record', { session: this.session, id });
          return `found ${id}`;
        },
      }),
    ];
  }
  override async close(): Promise<void> {}
}

function tree(pattern: Pattern, model: string, ctx: restate.ObjectContext): BaseAgent {
  switch (pattern) {
    case 'sequential':
      return new SequentialAgent({
        name: 'pipeline',
        subAgents: [llm(model, 'writer'), llm(model, 'reviewer')],
      });
    case 'loop':
      return new LoopAgent({ name: 'loop', maxIterations: 2, subAgents: [llm(model, 'worker')] });
    case 'agent-tool':
      return llm(model, 'root', { tools: [new AgentTool({ agent: llm(model, 'helper') })] });
    case 'transfer':
      return llm(model, 'root', { tools: [], subAgents: [llm(model, 'specialist')] });
    case 'state':
      return llm(model, 'root', { instruction: 'Last recorded: {last_recorded?}' });
    case 'toolset':
      return llm(model, 'root', { tools: [durableToolset(ctx, new LedgerToolset(ctx.key))] });
    case 'approval-edit':
      return llm(model, 'root', {
        tools: [
          new FunctionTool({
            name: 'approve_record',
            description: 'Records an id once a human approves.',
            parameters: z.object({ id: z.string() }),
            requireConfirmation: true,
            execute: async ({ id }, toolContext) => {
              const ctx = restateContext<restate.ObjectContext>(toolContext);
              await durableStep(ctx, 'tool:approve_record', () =>
                postToLedger('record', { session: ctx.key, id }),
              );
              return `recorded ${id}`;
            },
          }),
        ],
      });
    case 'callbacks':
      // The agent's own callbacks, as ADK's docs teach them: a guardrail before a tool, a check after the model.
      return llm(model, 'root', {
        beforeToolCallback: ({ args }) =>
          args.id === 'forbidden' ? { result: 'blocked by policy' } : undefined,
        afterModelCallback: ({ response }) => {
          const text = response.content?.parts?.map((part) => part.text ?? '').join('') ?? '';
          return text === ''
            ? undefined
            : { ...response, content: { role: 'model', parts: [{ text: `${text} [checked]` }] } };
        },
      });
    case 'not-durable':
    case 'in-memory-artifacts':
    case 'in-memory-memory':
      return llm(model, 'root');
    case 'parallel':
      return new ParallelAgent({ name: 'fan-out', subAgents: [llm(model, 'a'), llm(model, 'b')] });
  }
}

const patterns = restate.object({
  name: PATTERNS_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: PatternInput): Promise<{ text: string }> {
      const runner = new Runner({
        appName: 'patterns',
        agent:
          input.pattern === 'not-durable'
            ? tree(input.pattern, input.model, ctx)
            : withRestate(ctx, tree(input.pattern, input.model, ctx)),
        sessionService: new RestateSessionService(ctx),
        // ADK's in-memory services, which runDurably refuses (nothing of them is journaled).
        ...(input.pattern === 'in-memory-artifacts' && {
          artifactService: new InMemoryArtifactService(),
        }),
        ...(input.pattern === 'in-memory-memory' && { memoryService: new InMemoryMemoryService() }),
        plugins: [
          new RestatePlugin(ctx, {
            approval: {
              onRequest: ({ id }) => postToLedger('approval', { session: ctx.key, approvalId: id }),
            },
          }),
        ],
      });
      const { text, events } = await runDurably(runner, {
        userId: 'patterns',
        sessionId: ctx.key,
        newMessage: { role: 'user', parts: [{ text: input.prompt }] },
      });
      // The session's event ids and timestamps are journal-derived: the same on every replay.
      const session = await runner.sessionService.getSession({
        appName: 'patterns',
        userId: 'patterns',
        sessionId: ctx.key,
      });
      const stored = (session?.events ?? []).map((event) => `${event.id}@${event.timestamp}`);
      const yielded = events.map((event) => `${event.id}@${event.timestamp}`);
      if (stored.slice(-yielded.length).join() !== yielded.join()) {
        throw new restate.TerminalError(
          `stored events ${stored.join()} differ from the run's ${yielded.join()}`,
        );
      }
      return { text };
    },
  },
});

await restate.serve({ services: [patterns], port: Number(process.env.PORT) });
