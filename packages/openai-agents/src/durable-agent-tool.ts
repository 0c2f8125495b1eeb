/**
 * Agents as tools, durable (R3, R4, R5). The SDK's `Agent.asTool()` is built on `tool()` with no way to
 * set its error function, so everything the nested run throws — a `TerminalError`, a cancellation, a
 * suspension — becomes a generic message for the outer model, and its nested `Runner` is not this
 * invocation's. This one takes the same options, runs the nested agent through the outer `DurableRunner`
 * (its model calls and tools journaled, in order) and lets control errors end the run.
 */
import type {
  Agent,
  AgentInputItem,
  FunctionTool,
  RunConfig,
  RunContext,
  RunResult,
} from '@openai/agents-core';
import { TerminalError } from '@restatedev/restate-sdk';
import { findBinding } from './restate-context.js';
import { tool } from './tool.js';

// biome-ignore lint/suspicious/noExplicitAny: any agent, as the SDK's asTool accepts.
type AnyAgent = Agent<any, any>;

/**
 * Options of {@link durableAgentTool}: the names and meaning of the SDK's `agent.asTool(options)`, so a
 * call changes from `agent.asTool(options)` to `durableAgentTool(agent, options)`. `onStream`,
 * `onStreamMaxPendingEvents` and `resumeState` are refused (the nested run is not streamed; its approvals
 * are resolved by the outer runner).
 */
export interface DurableAgentToolOptions<TParameters = unknown> {
  /** Tool name; default the agent's name in snake_case. */
  toolName?: string;
  /** Tool description; default the agent's `handoffDescription`. */
  toolDescription?: string;
  /** What the outer model reads; default the nested run's final output as text. */
  customOutputExtractor?: (result: RunResult<unknown, AnyAgent>) => string | Promise<string>;
  /** As on `tool()`: the call waits for an approval (see `DurableRunnerOptions.approvals`). */
  needsApproval?:
    | boolean
    | ((runContext: RunContext<unknown>, params: never, callId?: string) => Promise<boolean>);
  /** Whether the model is offered the tool in this run, as on `asTool`. */
  isEnabled?:
    | boolean
    | ((args: { runContext: RunContext<unknown>; agent: AnyAgent }) => boolean | Promise<boolean>);
  /** The tool's parameters (a zod object or JSON schema); default `{ input: string }`. */
  parameters?: TParameters;
  /**
   * Builds the nested agent's input from the parsed parameters. Default: the `input` field for the
   * default parameters, else the parameters as JSON (with `includeInputSchema`, followed by the schema).
   */
  inputBuilder?: (options: {
    params: unknown;
    jsonSchema?: unknown;
  }) => string | AgentInputItem[] | Promise<string | AgentInputItem[]>;
  /** Hand the tool's JSON schema to `inputBuilder` (and the default input) too. */
  includeInputSchema?: boolean;
  /** `RunConfig` fields for the nested run, over the outer `DurableRunner`'s options. */
  runConfig?: Partial<RunConfig>;
  /** Run options of the nested run (`maxTurns`, `previousResponseId`, …); `stream` is not supported. */
  runOptions?: Record<string, unknown>;
}

const REFUSED = ['onStream', 'onStreamMaxPendingEvents', 'resumeState'] as const;

/** The default tool parameters: `{ input: string }`, as `asTool`'s. */
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
 * A tool that runs `agent` as a nested run of the current `DurableRunner`, with `asTool`'s options. A
 * `TerminalError` (or cancellation) inside the nested run fails the outer run.
 *
 * @example
 * const researcher = new Agent({ name: 'researcher', model: 'gpt-5.6-luna', tools: [search] });
 * const lead = new Agent({
 *   name: 'lead',
 *   tools: [durableAgentTool(researcher, { toolName: 'research', needsApproval: true })],
 * });
 */
export function durableAgentTool(
  agent: AnyAgent,
  options: DurableAgentToolOptions = {},
): FunctionTool<unknown, AgentToolInput> {
  for (const name of [...REFUSED, 'stream']) {
    const holder = name === 'stream' ? (options.runOptions ?? {}) : options;
    if ((holder as Record<string, unknown>)[name] !== undefined) {
      throw new TypeError(
        `durableAgentTool("${agent.name}"): ${name === 'stream' ? 'runOptions.stream' : name} is not ` +
          'supported: the nested run is not streamed and its approvals are resolved by the outer ' +
          'DurableRunner. Remove the option.',
      );
    }
  }
  const custom = options.parameters !== undefined;
  const created = tool({
    name: options.toolName ?? agent.name.replace(/[^A-Za-z0-9_-]+/g, '_').toLowerCase(),
    description:
      options.toolDescription ?? agent.handoffDescription ?? `Ask the ${agent.name} agent`,
    parameters: (options.parameters ?? INPUT_SCHEMA) as AgentToolInput,
    strict: true,
    ...(options.needsApproval !== undefined && {
      needsApproval: options.needsApproval as (
        runContext: RunContext<unknown>,
        params: unknown,
      ) => Promise<boolean>,
    }),
    ...(options.isEnabled !== undefined && { isEnabled: options.isEnabled }),
    execute: async (params, runContext) => {
      const binding = findBinding(runContext);
      if (!binding) {
        throw new TerminalError(
          `durableAgentTool("${agent.name}") ran outside a DurableRunner; run the outer agent with DurableRunner`,
        );
      }
      const jsonSchema = options.includeInputSchema ? created.parameters : undefined;
      const input = options.inputBuilder
        ? await options.inputBuilder({ params, ...(jsonSchema && { jsonSchema }) })
        : !custom && !jsonSchema
          ? (params as { input: string }).input
          : JSON.stringify(jsonSchema ? { input: params, schema: jsonSchema } : params);
      const result = (await binding.nested(agent, input, runContext?.context, {
        ...(options.runConfig && { runConfig: options.runConfig }),
        ...(options.runOptions && { runOptions: options.runOptions }),
      })) as RunResult<unknown, AnyAgent>;
      if (options.customOutputExtractor) return options.customOutputExtractor(result);
      const output = result.finalOutput;
      return typeof output === 'string' ? output : JSON.stringify(output ?? '');
    },
  });
  return created;
}
