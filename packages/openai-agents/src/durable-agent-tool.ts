/**
 * Agents as tools, durable (R3, R4, R5). The SDK's `Agent.asTool()` is built on `tool()` with no way to
 * set its error function, so everything the nested run throws — a `TerminalError`, a cancellation, a
 * suspension — becomes a generic message for the outer model. This one runs the nested agent through the
 * outer `DurableRunner` (its model calls and tools journaled, in order) and lets control errors end the run.
 */
import type { Agent, FunctionTool, RunResult } from '@openai/agents-core';
import { TerminalError } from '@restatedev/restate-sdk';
import { findBinding } from './restate-context.js';
import { tool } from './tool.js';

/** Options of {@link durableAgentTool}. */
export interface DurableAgentToolOptions {
  /** Tool name; default the agent's name in snake_case. */
  name?: string;
  /** Tool description; default the agent's `handoffDescription`. */
  description?: string;
  /** What the outer model reads; default the nested run's final output as text. */
  // biome-ignore lint/suspicious/noExplicitAny: any agent's result, as the SDK's asTool accepts.
  outputExtractor?: (result: RunResult<any, any>) => string | Promise<string>;
}

/** The nested agent's tool parameters: `{ input: string }`. */
interface AgentToolInput {
  type: 'object';
  properties: { input: { type: 'string'; description: string } };
  required: string[];
  additionalProperties: false;
}

const INPUT_SCHEMA: AgentToolInput = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The request for the agent' } },
  required: ['input'],
  additionalProperties: false,
};

/**
 * A tool that runs `agent` as a nested run of the current `DurableRunner`. The model calls it with
 * `{ input: string }`; a `TerminalError` (or cancellation) inside the nested run fails the outer run.
 *
 * @example
 * const researcher = new Agent({ name: 'researcher', model: 'gpt-5.6-luna', tools: [search] });
 * const lead = new Agent({ name: 'lead', tools: [durableAgentTool(researcher)] });
 */
export function durableAgentTool(
  // biome-ignore lint/suspicious/noExplicitAny: any agent, as the SDK's Runner.run accepts.
  agent: Agent<any, any>,
  options: DurableAgentToolOptions = {},
): FunctionTool<unknown, AgentToolInput> {
  return tool({
    name: options.name ?? agent.name.replace(/[^A-Za-z0-9_-]+/g, '_').toLowerCase(),
    description: options.description ?? agent.handoffDescription ?? `Ask the ${agent.name} agent`,
    parameters: INPUT_SCHEMA,
    strict: true,
    execute: async (args, runContext) => {
      const binding = findBinding(runContext);
      if (!binding) {
        throw new TerminalError(
          `durableAgentTool("${agent.name}") ran outside a DurableRunner; run the outer agent with DurableRunner`,
        );
      }
      const { input } = args as { input: string };
      const result = (await binding.nested(agent, input, runContext?.context)) as RunResult<
        unknown,
        // biome-ignore lint/suspicious/noExplicitAny: see above.
        Agent<any, any>
      >;
      if (options.outputExtractor) return options.outputExtractor(result);
      const output = result.finalOutput;
      return typeof output === 'string' ? output : JSON.stringify(output ?? '');
    },
  });
}
