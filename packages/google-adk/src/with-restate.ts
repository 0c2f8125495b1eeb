/**
 * The agent tree made durable (R1, R4, R5, R7): `withRestate(ctx, agent)` clones the tree (ADK's own
 * `clone`, so the caller's agents stay as they were and can be declared once, at module level). Every
 * `LlmAgent` with a model of its own gets `durableModel(ctx, model)`; agents without one inherit their
 * parent's, which is durable. Every tool runs in the control-error guard (tool-guard.ts); an `AgentTool`'s
 * agent is cloned the same way, so its nested runner — which ADK builds without plugins — is durable too.
 *
 * Agents that run their children concurrently are refused: `ParallelAgent` races its sub-agents
 * (`Promise.race`), so their model and tool calls would reach the journal in a different order on replay (R7);
 * so does the graph `Workflow`.
 */
import {
  AgentTool,
  type BaseAgent,
  type BaseTool,
  isAgentTool,
  isBaseAgent,
  isBaseTool,
  isBaseToolset,
  isLlmAgent,
  isParallelAgent,
  isWorkflow,
  type LlmAgent,
} from '@google/adk';
import { brand, hasBrand, invalidOption, type LiveStream } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { type DurableModelOptions, durableModel } from './durable-model.js';
import { guardTool, guardToolset } from './tool-guard.js';

const WITH_RESTATE = 'restate-agents.google-adk.with-restate';

/** Options of {@link withRestate}. */
export interface WithRestateOptions {
  /** Options of every agent's durable model (`step: { maxRetryAttempts, attemptTimeout, … }`). */
  model?: Omit<DurableModelOptions, 'live'>;
  /**
   * Live streaming (docs/live-streaming.md): every agent's model steps stream to this log (`durableModel`'s
   * `live`), and `runDurably` sends the tool outputs and ends the turn. The agent of an `AgentTool` is left
   * out: its answer reaches the chat as the tool's output.
   */
  live?: LiveStream;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
}

function refuse(agent: unknown): void {
  if (isWorkflow(agent)) {
    throw invalidOption(
      'withRestate: a graph Workflow is not supported: it runs nodes concurrently (Promise.race, Promise.all, ' +
        'timeouts raced against nodes), so its model and tool calls would reach the journal in a different order ' +
        'on replay. Build the flow from LlmAgent, SequentialAgent and LoopAgent.',
    );
  }
  if (!isBaseAgent(agent)) {
    throw invalidOption(
      `withRestate(ctx, agent) takes an ADK agent (LlmAgent, SequentialAgent, LoopAgent), got ${describe(agent)}.`,
    );
  }
  if (isParallelAgent(agent)) {
    throw invalidOption(
      `withRestate: ParallelAgent "${agent.name}" runs its sub-agents concurrently (Promise.race), so their model ` +
        'and tool calls would reach the journal in a different order on replay. Use a SequentialAgent (the ' +
        'sub-agents then run one after another), or separate Restate invocations for real parallelism.',
    );
  }
}

function durableToolOf(ctx: Context, tool: BaseTool, options: WithRestateOptions): BaseTool {
  if (isAgentTool(tool) && !hasBrand(tool, WITH_RESTATE)) {
    const { agent, skipSummarization } = tool as AgentTool & {
      agent: BaseAgent;
      skipSummarization?: boolean;
    };
    // Its nested runner's steps are not the chat's: shown live, they would read as the assistant's answer.
    const { live: _live, ...nested } = options;
    const durable = new AgentTool({
      agent: cloneTree(ctx, agent, nested),
      ...(skipSummarization === undefined ? {} : { skipSummarization }),
    });
    return guardTool(ctx, brand(durable, WITH_RESTATE));
  }
  return guardTool(ctx, tool);
}

function cloneTree(ctx: Context, agent: BaseAgent, options: WithRestateOptions): BaseAgent {
  refuse(agent);
  const subAgents = agent.subAgents.map((subAgent) => cloneTree(ctx, subAgent, options));
  if (!isLlmAgent(agent)) return agent.clone({ subAgents });
  const llmAgent = agent as LlmAgent;
  const tools = llmAgent.tools.map((tool) => {
    if (isBaseTool(tool)) return durableToolOf(ctx, tool, options);
    if (isBaseToolset(tool))
      return guardToolset(ctx, tool, (inner) => durableToolOf(ctx, inner, options));
    return tool;
  });
  const hasOwnModel = llmAgent.model !== undefined && llmAgent.model !== '';
  return llmAgent.clone({
    subAgents,
    tools,
    ...(hasOwnModel
      ? {
          model: durableModel(ctx, llmAgent.canonicalModel, {
            ...options.model,
            ...(options.live && { live: options.live }),
          }),
        }
      : {}),
  });
}

/** Whether `agent` is a tree made durable by {@link withRestate}. */
export function isWithRestate(agent: unknown): boolean {
  return hasBrand(agent, WITH_RESTATE);
}

/**
 * The agent tree run durably by this invocation: a clone of `agent` whose models are journaled steps and
 * whose tools' Restate control errors end the run. Run it with a `Runner` through `runDurably`.
 *
 * @example
 * const runner = new Runner({ appName: 'support', agent: withRestate(ctx, supportAgent),
 *   sessionService: new RestateSessionService(ctx), plugins: [new RestatePlugin(ctx)] });
 * const { text } = await runDurably(runner, { userId, sessionId: ctx.key, newMessage });
 */
export function withRestate<A extends BaseAgent>(
  ctx: Context,
  agent: A,
  options: WithRestateOptions = {},
): A {
  if (hasBrand(agent, WITH_RESTATE)) return agent;
  return brand(cloneTree(ctx, agent, options) as A, WITH_RESTATE);
}
