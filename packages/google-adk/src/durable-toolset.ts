/**
 * Toolsets (R9): an ADK `BaseToolset` — `MCPToolset` above all — lists its tools on every agent step (an MCP
 * `listTools` round trip each time) and calls them outside any step. `durableToolset(ctx, toolset)` journals the
 * tool list once per invocation (`google-adk:toolset:<name>:list`: names, descriptions and declarations, so a
 * replay neither asks the server again nor sees a different list) and makes each call one durable tool step
 * (`google-adk:tool:<name>:<functionCallId>`, core's `durableToolStep`, the tool-call contract): on replay the
 * journaled result is returned and the server is not called. The real tool is looked up only when a call runs.
 */
import { BaseTool, BaseToolset, type ReadonlyContext } from '@google/adk';
import type { FunctionDeclaration } from '@google/genai';
import {
  type DurableToolStepOptions,
  durableStep,
  durableToolStep,
  invalidOption,
  isDurable,
  markDurable,
  toolStepName,
  withStepSignal,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { SDK, STEP_NAMES } from './step-names.js';

/** Options of {@link durableToolset}: the tool steps' retry cap, classification, give-up; the name in the list step. */
export interface DurableToolsetOptions extends Omit<DurableToolStepOptions<unknown>, 'serde'> {
  /** The name in the list step `google-adk:toolset:<name>:list` (default: the toolset's class name). */
  name?: string;
}

/** What is journaled of each tool of the list. */
interface ListedTool {
  name: string;
  description: string;
  isLongRunning: boolean;
  declaration: FunctionDeclaration | undefined;
}

interface RunRequest {
  args: Record<string, unknown>;
  toolContext: { functionCallId?: string; abortSignal?: AbortSignal };
}

/**
 * A toolset whose tool list is journaled once per invocation and whose every call is one journaled step.
 *
 * @example
 * const agent = new LlmAgent({ name: 'assistant', model, tools: [durableToolset(ctx, new MCPToolset(connection))] });
 */
export function durableToolset(
  ctx: Context,
  toolset: BaseToolset,
  options: DurableToolsetOptions = {},
): BaseToolset {
  if (isDurable(toolset, 'toolset')) return toolset;
  if (typeof toolset?.getTools !== 'function') {
    throw invalidOption(
      'durableToolset(ctx, toolset) takes an ADK toolset (a BaseToolset such as MCPToolset).',
    );
  }
  const { name = toolset.constructor?.name ?? 'toolset', ...stepOptions } = options;
  let listed: Promise<ListedTool[]> | undefined;

  const runTool = async (listedTool: ListedTool, request: RunRequest): Promise<unknown> => {
    const callId = request.toolContext?.functionCallId;
    if (typeof callId !== 'string' || callId === '') {
      throw invalidOption(
        `durableToolset: "${listedTool.name}" was called without a function-call id (tools run inside an agent's loop).`,
      );
    }
    const outcome = await durableToolStep(
      ctx,
      toolStepName(SDK, listedTool.name, callId),
      listedTool.name,
      async (attemptSignal) => {
        // Looked up only when the call runs: a replayed call never reaches the server.
        const tool = (await toolset.getTools()).find(
          (candidate) => candidate.name === listedTool.name,
        );
        if (!tool) throw new Error(`the toolset no longer offers "${listedTool.name}"`);
        return withStepSignal(request.toolContext.abortSignal, attemptSignal, (signal) => {
          const toolContext = Object.create(request.toolContext, {
            abortSignal: { value: signal, enumerable: true },
          });
          return tool.runAsync({ ...request, toolContext } as never);
        });
      },
      stepOptions,
    );
    return outcome.ok ? outcome.value : { error: outcome.error.message };
  };

  class JournaledTool extends BaseTool {
    readonly listedTool: ListedTool;
    constructor(listedTool: ListedTool) {
      super({
        name: listedTool.name,
        description: listedTool.description,
        isLongRunning: listedTool.isLongRunning,
      });
      this.listedTool = listedTool;
    }
    override _getDeclaration(): FunctionDeclaration | undefined {
      return this.listedTool.declaration;
    }
    override runAsync(request: RunRequest): Promise<unknown> {
      return runTool(this.listedTool, request);
    }
  }

  class DurableToolset extends BaseToolset {
    constructor() {
      super([], toolset.prefix);
    }
    override async getTools(context?: ReadonlyContext): Promise<BaseTool[]> {
      listed ??= durableStep(ctx, STEP_NAMES.toolsetList(name), async () =>
        (await toolset.getTools(context)).map(
          (tool): ListedTool => ({
            name: tool.name,
            description: tool.description,
            isLongRunning: tool.isLongRunning,
            declaration: tool._getDeclaration(),
          }),
        ),
      );
      return (await listed).map((listedTool) => new JournaledTool(listedTool));
    }
    override close(): Promise<void> {
      return toolset.close();
    }
  }
  return markDurable(new DurableToolset(), 'toolset');
}
