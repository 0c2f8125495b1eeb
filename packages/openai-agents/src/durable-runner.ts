/**
 * The SDK's `Runner`, made durable per invocation: model calls journaled through a durable model provider
 * (R1, R2, R6, R11), function tools one at a time in model order or, opt-in, durable tools in parallel with
 * their steps journaled in model order (R7), guardrails the SDK starts together run one after the other
 * (R7), Restate control errors unwrapped from the SDK's `ToolCallError` / `GuardrailExecutionError` (R4, R5),
 * tracing off or with replay-stable ids (R8), MCP servers listed and called as journaled steps (R9), and
 * tool approvals paused on awakeables inside the same invocation or carried across invocations in a
 * `RunState`.
 */
import {
  type Agent,
  type AgentInputItem,
  type InputGuardrail,
  type Model,
  type ModelProvider,
  type NonStreamRunOptions,
  type OutputGuardrail,
  type RunConfig,
  RunContext,
  Runner,
  type RunResult,
  RunState,
  type RunToolApprovalItem,
  type StreamedRunResult,
  type StreamRunOptions,
} from '@openai/agents-core';
import {
  type ApprovalOptions,
  assertConcurrency,
  assertInput,
  invalidOption,
  liveChunks,
  rejectionMessage,
  requestApproval,
  rethrowIfControl,
  rethrowIfRepeating,
} from '@restate-agents/core';
import { type Context, TerminalError } from '@restatedev/restate-sdk';
import { durableMcpServer } from './durable-mcp-server.js';
import { type DurableModelOptions, durableModel, durableModelProvider } from './durable-model.js';
import { isDurableTool } from './durable-tool.js';
import { endTurnWithRun, streamRunToLog } from './live.js';
import { REPEATING_FAILURES } from './repeating-failures.js';
import { withReplayStableTracing } from './replay-stable-tracing.js';
import {
  bindRun,
  findBinding,
  type NestedRunOverrides,
  type RunBinding,
  serialQueue,
  withBinding,
} from './restate-context.js';
import { controlAwareStream } from './streamed-result.js';

/** The tool call a human is asked to approve. */
export interface ToolApprovalRequest {
  /** The agent whose tool needs approval. */
  agent: string;
  toolName: string;
  /** The model's call id (for a hosted MCP tool: the id of its approval request). */
  callId?: string;
  /** The arguments as the model sent them (JSON text), also for a hosted MCP tool. */
  arguments?: string;
}

/** Options of {@link DurableRunner}: the SDK's `RunConfig`, plus how model calls and approvals are made durable. */
export interface DurableRunnerOptions extends Partial<RunConfig>, DurableModelOptions {
  /**
   * Approvals of tools with `needsApproval` (core's `ApprovalOptions`: `onRequest` tells the approver the
   * awakeable id, `timeout` rejects when no decision arrives, `rejectionMessage` is what the model reads).
   * Default: each waits on an awakeable inside the invocation. `'interrupt'`: the run returns with
   * `result.interruptions`, as the SDK's own `Runner` does; store `result.state.toString()` (e.g. in Virtual
   * Object state) and resume in a later invocation with `RunState.fromString(agent, text)`,
   * `state.approve(...)`/`state.reject(...)` and `run(agent, state)`.
   */
  approval?: ApprovalOptions<ToolApprovalRequest> | 'interrupt';
  /**
   * How many function tools of one model turn run at once (sets the SDK's
   * `toolExecution.maxFunctionToolConcurrency`). Default 1: one at a time, in model order.
   *
   * Above 1 every function tool of the agents run must be a `durableTool` (one journaled step each,
   * created in model order and awaited together); `run` refuses a plain `tool()` or an agent tool with a
   * `TerminalError`, because a tool awaiting several durable operations while others run creates its
   * journal entries in whatever order the waits resolve, and the replay fails with a journal mismatch.
   * Setting `toolExecution.maxFunctionToolConcurrency` yourself skips that check.
   */
  toolConcurrency?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: any agent, as the SDK's own Runner.run accepts.
type AnyAgent = Agent<any, any>;

/**
 * A `Runner` for one Restate invocation, with the same `run(agent, input, options)` as the SDK's.
 *
 * - Every model call is a journaled step (3 attempts by default, errors classified, `openai` client retries
 *   off); string models resolve through a durable provider, `Model` objects on agents and handoff targets
 *   are wrapped.
 * - Function tools run one at a time in model order (`toolExecution.maxFunctionToolConcurrency: 1`), or
 *   `toolConcurrency` {@link durableTool}s at a time, their steps journaled in model order.
 * - Input guardrails run before the first model call instead of racing it.
 * - A `TerminalError`, cancellation or suspension inside a tool, guardrail or nested run ends the run with
 *   that error, not the SDK's wrapper. Use this package's `tool()` so the SDK does not swallow it.
 * - Tools with `needsApproval` pause on an awakeable per interruption and resume in the same invocation
 *   (non-streaming runs; for streaming runs call {@link DurableRunner.resolveInterruptions}).
 * - Tracing is off unless `tracingDisabled: false`; then trace and span ids are replay-stable.
 *
 * Rejected because they race a wall clock against journaled promises: `modelSettings.timeoutMs`,
 * `modelSettings.retry` and tools' `timeoutMs`.
 *
 * @example
 * const agent = new Agent({ name: 'support', model: 'gpt-5.6-luna', tools: [refund] });
 *
 * const service = restate.object({
 *   name: 'Support',
 *   handlers: {
 *     async chat(ctx: restate.ObjectContext, prompt: string) {
 *       const result = await new DurableRunner(ctx).run(agent, prompt, {
 *         session: new RestateSession(ctx),
 *       });
 *       return result.finalOutput;
 *     },
 *   },
 * });
 */
export class DurableRunner {
  /** The SDK runner doing the work, configured for durability. */
  readonly runner: Runner;
  readonly #ctx: Context;
  readonly #options: DurableRunnerOptions;
  readonly #agents = new WeakMap<AnyAgent, AnyAgent>();
  /** `toolConcurrency` when above 1: every function tool must then be a `durableTool`. */
  readonly #parallelTools: number | undefined;

  constructor(ctx: Context, options: DurableRunnerOptions = {}) {
    this.#ctx = ctx;
    this.#options = options;
    const { approval, step, keepProviderData, toolConcurrency, live, ...config } = options;
    const modelOptions: DurableModelOptions = { step, keepProviderData, ...(live && { live }) };
    rejectWallClock('RunConfig.modelSettings', config.modelSettings);
    refuseSandbox('RunConfig', config);
    if (toolConcurrency !== undefined) {
      assertConcurrency(toolConcurrency, 'DurableRunner: toolConcurrency');
      if (config.toolExecution?.maxFunctionToolConcurrency !== undefined) {
        throw new TerminalError(
          'DurableRunner: set either toolConcurrency or toolExecution.maxFunctionToolConcurrency, not both.',
        );
      }
    }
    this.#parallelTools =
      toolConcurrency !== undefined && toolConcurrency > 1 ? toolConcurrency : undefined;
    this.runner = new Runner({
      ...config,
      modelProvider: durableModelProvider(
        ctx,
        config.modelProvider ?? defaultModelProvider(),
        modelOptions,
      ),
      ...(config.model !== undefined &&
        typeof config.model !== 'string' && {
          model: durableModel(ctx, config.model, modelOptions),
        }),
      ...(config.inputGuardrails && {
        inputGuardrails: config.inputGuardrails.map((guardrail) => ordered(blocking(guardrail))),
      }),
      ...(config.outputGuardrails && { outputGuardrails: config.outputGuardrails.map(ordered) }),
      tracingDisabled: config.tracingDisabled ?? true,
      toolExecution: { maxFunctionToolConcurrency: toolConcurrency ?? 1, ...config.toolExecution },
    });
  }

  /** Runs `agent` durably; same arguments and result as the SDK's `Runner.run`. */
  run<TAgent extends AnyAgent, TContext = undefined>(
    agent: TAgent,
    input: string | AgentInputItem[] | RunState<TContext, TAgent>,
    options?: NonStreamRunOptions<TContext, TAgent>,
  ): Promise<RunResult<TContext, TAgent>>;
  run<TAgent extends AnyAgent, TContext = undefined>(
    agent: TAgent,
    input: string | AgentInputItem[] | RunState<TContext, TAgent>,
    options?: StreamRunOptions<TContext, TAgent>,
  ): Promise<StreamedRunResult<TContext, TAgent>>;
  async run<TAgent extends AnyAgent, TContext = undefined>(
    agent: TAgent,
    input: string | AgentInputItem[] | RunState<TContext, TAgent>,
    options: NonStreamRunOptions<TContext, TAgent> | StreamRunOptions<TContext, TAgent> = {},
  ): Promise<RunResult<TContext, TAgent> | StreamedRunResult<TContext, TAgent>> {
    // Checked before any step: a malformed input fails the same way on every retry.
    assertInput(
      input,
      (value) => typeof value === 'string' || Array.isArray(value) || value instanceof RunState,
      'a string, an array of input items or a RunState',
      'agent input',
    );
    refuseSandbox('run options', options);
    const { live } = this.#options;
    if (live && options.stream !== true) {
      throw invalidOption(
        'DurableRunner.run: the runner has a live stream, so run with { stream: true }: live streaming sends ' +
          "the streamed run's events to the stream log (a run without stream: true would never end its turn).",
      );
    }
    if (options.conversationId !== undefined) {
      throw invalidOption(
        'DurableRunner.run: conversationId is not supported by DurableRunner: the Conversations API adds ' +
          "each model call's input and output to the conversation at OpenAI, so a model call retried after a " +
          'crash or an attemptTimeout would add its turn twice. Use previousResponseId (each request ' +
          'continues the journaled response) or a RestateSession instead.',
      );
    }
    const durableAgent = this.#convert(agent) as TAgent;
    const binding: RunBinding = {
      ctx: this.#ctx,
      nested: (nestedAgent, nestedInput, context, overrides) =>
        this.#nested(nestedAgent, nestedInput, context, overrides),
      serial: serialQueue(),
    };
    const runInput = input instanceof RunState ? await this.#restore(durableAgent, input) : input;
    const runContext =
      runInput instanceof RunState
        ? (runInput._context as RunContext<TContext>)
        : options.context instanceof RunContext
          ? options.context
          : new RunContext<TContext>(options.context as TContext);
    bindRun(runContext as RunContext<unknown>, binding);
    const runOptions = { ...options, context: runContext };
    const execute = async () => {
      try {
        if (options.stream === true) {
          const chunks = live && liveChunks(live);
          if (chunks) streamRunToLog(runContext as RunContext<unknown>, chunks);
          const streamed = controlAwareStream(
            await this.runner.run(durableAgent, runInput, { ...runOptions, stream: true }),
          );
          return chunks
            ? endTurnWithRun(streamed, runContext as RunContext<unknown>, chunks)
            : streamed;
        }
        let result = await this.runner.run(durableAgent, runInput, {
          ...runOptions,
          stream: false,
        });
        while (result.interruptions.length > 0 && this.#options.approval !== 'interrupt') {
          await this.resolveInterruptions(result);
          const { context: _context, ...resumeOptions } = runOptions;
          result = await this.runner.run(durableAgent, result.state, {
            ...resumeOptions,
            stream: false,
          });
        }
        return result;
      } catch (error) {
        // The SDK wraps tool and guardrail failures (`ToolCallError.error`): Restate must see the original.
        rethrowIfControl(error);
        // Replayed, the journaled answers lead to the same failure: retrying the invocation cannot help.
        rethrowIfRepeating(error, REPEATING_FAILURES);
        throw error;
      }
    };
    return withBinding(binding, () =>
      this.runner.config.tracingDisabled ? execute() : withReplayStableTracing(this.#ctx, execute),
    );
  }

  /** An agent-as-tool's nested run: this runner, or one with the tool's `runConfig` laid over its options. */
  #nested(
    agent: AnyAgent,
    input: string | AgentInputItem[],
    context: unknown,
    overrides: NestedRunOverrides = {},
  ): Promise<unknown> {
    // A nested run is not streamed: its model calls show nothing live, and it does not end the turn.
    const { live, ...options } = this.#options;
    const runner =
      overrides.runConfig || live
        ? new DurableRunner(this.#ctx, { ...options, ...overrides.runConfig })
        : this;
    return runner.run(agent, input, { ...overrides.runOptions, context, stream: false });
  }

  /**
   * A `RunState` restored with `RunState.fromString(agent, text)` in a later invocation points at the
   * user's agent graph, whose `Model` objects, guardrails and handoffs are not durable. It is rebuilt on the
   * converted graph (agents are matched by name, as `fromString` does), keeping its live run context and the
   * approvals decided on it.
   */
  async #restore<TContext, TAgent extends AnyAgent>(
    agent: TAgent,
    state: RunState<TContext, TAgent>,
  ): Promise<RunState<TContext, TAgent>> {
    if (this.#isConverted(state._currentAgent)) return state;
    return RunState.fromStringWithContext(agent, state.toString(), state._context, {
      contextStrategy: 'merge',
    });
  }

  #isConverted(agent: AnyAgent): boolean {
    return this.#agents.get(agent) === agent;
  }

  /**
   * Asks for each pending approval of `result` on its own awakeable, in order, and approves or rejects the
   * calls on `result.state`; run `result.state` again afterwards. `run` does this itself unless streaming.
   */
  async resolveInterruptions(result: {
    interruptions: RunToolApprovalItem[];
    // biome-ignore lint/suspicious/noExplicitAny: any run's state, as the SDK's own Runner.run accepts.
    state: RunState<any, any>;
  }): Promise<void> {
    const options = typeof this.#options.approval === 'object' ? this.#options.approval : undefined;
    for (const item of result.interruptions) {
      // A hosted MCP approval request keeps its id and arguments in the provider data.
      const raw = item.rawItem as {
        callId?: string;
        id?: string;
        providerData?: { arguments?: string };
      };
      const callId = raw.callId ?? raw.id;
      const args = item.arguments ?? raw.providerData?.arguments;
      const request: ToolApprovalRequest = {
        agent: item.agent.name,
        toolName: item.name ?? item.toolName ?? 'unknown',
        ...(callId !== undefined && { callId }),
        ...(args !== undefined && { arguments: args }),
      };
      const decision = await requestApproval(this.#ctx, request, options);
      if (decision.approved) {
        result.state.approve(item);
      } else {
        result.state.reject(item, {
          message: rejectionMessage(options, request, decision, request.toolName),
        });
      }
    }
  }

  /**
   * The agent as this runner runs it: `Model` objects wrapped, guardrails ordered (input guardrails
   * blocking), MCP servers journaled, handoffs re-pointed to converted agents, lifecycle events delivered to
   * the user's agent. Cached, so a resumed `RunState` finds the same agent objects.
   */
  #convert(agent: AnyAgent): AnyAgent {
    const known = this.#agents.get(agent);
    if (known) return known;
    rejectWallClock(`agent "${agent.name}" modelSettings`, agent.modelSettings);
    refuseAgentKind(agent);
    for (const candidate of agent.tools) {
      rejectLocalAction(agent.name, candidate);
      refuseCodex(agent.name, candidate);
      if (candidate.type === 'function' && candidate.timeoutMs !== undefined) {
        throw new TerminalError(
          `Tool "${candidate.name}" of agent "${agent.name}" sets timeoutMs: a wall-clock timeout races ` +
            'journaled promises and breaks replay. Remove it; bound waits with Restate timers ' +
            '(`promise.orTimeout`) inside the tool instead.',
        );
      }
      if (
        this.#parallelTools !== undefined &&
        candidate.type === 'function' &&
        !isDurableTool(candidate)
      ) {
        throw new TerminalError(
          `Tool "${candidate.name}" of agent "${agent.name}" is not a durableTool, but toolConcurrency is ` +
            `${this.#parallelTools}: a tool awaiting durable operations while other tools run journals ` +
            'them in whatever order its waits resolve, and the replay fails with a journal mismatch. Make it ' +
            'a durableTool (one step), or keep toolConcurrency at 1.',
        );
      }
    }
    if (
      typeof agent.model === 'string' &&
      agent.inputGuardrails.length === 0 &&
      agent.outputGuardrails.length === 0 &&
      agent.mcpServers.length === 0 &&
      agent.handoffs.length === 0
    ) {
      // Nothing to wrap (a model name resolves through the durable provider): the agent runs as it is,
      // without a copy per run.
      this.#agents.set(agent, agent);
      return agent;
    }
    const { step, keepProviderData, live } = this.#options;
    const converted = agent.clone({
      ...(typeof agent.model !== 'string' && {
        model: durableModel(this.#ctx, agent.model as Model, {
          step,
          keepProviderData,
          ...(live && { live }),
        }),
      }),
      inputGuardrails: agent.inputGuardrails.map((guardrail) => ordered(blocking(guardrail))),
      outputGuardrails: agent.outputGuardrails.map(ordered),
      mcpServers: agent.mcpServers.map((server) => durableMcpServer(this.#ctx, server)),
    });
    // `clone` gives the copy a fresh event emitter: listeners the user added with `agent.on(...)` would
    // never hear the runner's `agent_start`, `agent_tool_start`, `agent_handoff`, `agent_end` events.
    (converted as unknown as Emitting).eventEmitter = (agent as unknown as Emitting).eventEmitter;
    this.#agents.set(agent, converted);
    this.#agents.set(converted, converted);
    converted.handoffs = agent.handoffs.map((target) =>
      'onInvokeHandoff' in target
        ? target.clone({ agent: this.#convert(target.agent) })
        : this.#convert(target),
    );
    return converted;
  }
}

/** Input guardrails block the first model call: racing it would let its journal position vary (R7). */
function blocking(guardrail: InputGuardrail): InputGuardrail {
  return { ...guardrail, runInParallel: false };
}

interface Emitting {
  eventEmitter: unknown;
}

/**
 * The SDK starts all guardrails of a kind at once under `Promise.all`: two that each await a durable step
 * fail with "awaitNext already pending", and their steps would be journaled in completion order. Each runs
 * after the one started before it finishes, so the order is the declaration order on every replay.
 */
function ordered<G extends InputGuardrail | OutputGuardrail>(guardrail: G): G {
  const execute = guardrail.execute as (args: { context: unknown }) => Promise<unknown>;
  return {
    ...guardrail,
    execute: (args: { context: unknown }) => {
      const binding = findBinding(args.context);
      return binding ? binding.serial(() => execute(args)) : execute(args);
    },
  } as G;
}

/**
 * Computer, local shell and apply-patch tools run actions on this machine that the SDK starts beside
 * function tools under `Promise.all`, outside any step: refused rather than re-run on every replay.
 */
function rejectLocalAction(agentName: string, candidate: AnyAgent['tools'][number]): void {
  const local =
    candidate.type === 'computer' ||
    candidate.type === 'apply_patch' ||
    (candidate.type === 'shell' && (candidate as { shell?: unknown }).shell !== undefined);
  if (!local) return;
  throw new TerminalError(
    `Tool "${candidate.name}" (${candidate.type}) of agent "${agentName}" is not supported by DurableRunner: ` +
      'the SDK runs its actions on this machine outside any journaled step (computer actions beside ' +
      'function tools, under Promise.all), so a replay would repeat them. Wrap the action in a function ' +
      'tool made with durableTool (one journaled step per call), or use a hosted tool.',
  );
}

/**
 * Voice agents run over a `RealtimeSession` (a websocket), not through `Runner`; sandbox agents run a
 * workspace of files and commands on this machine. Neither can be journaled: refused by class name, so a
 * second copy of the SDK is recognised too.
 */
function refuseAgentKind(agent: AnyAgent): void {
  for (let proto = Object.getPrototypeOf(agent); proto; proto = Object.getPrototypeOf(proto)) {
    const kind = (proto.constructor as { name?: string } | undefined)?.name;
    if (kind === 'RealtimeAgent') {
      throw invalidOption(
        `DurableRunner: agent "${agent.name}" is a RealtimeAgent (a voice agent): it runs over a ` +
          'RealtimeSession, not through Runner, so its audio turns cannot be journaled. Run voice agents ' +
          'outside DurableRunner; give DurableRunner an Agent.',
      );
    }
    if (kind === 'SandboxAgent') {
      throw invalidOption(
        `DurableRunner: agent "${agent.name}" is a SandboxAgent: its workspace, files and commands live on ` +
          'this machine outside any journaled step, so a replay would run them again. Use an Agent with ' +
          'durableTool tools for each side effect.',
      );
    }
  }
}

function refuseSandbox(where: string, options: { sandbox?: unknown }): void {
  if (options.sandbox !== undefined) {
    throw invalidOption(
      `DurableRunner: ${where}.sandbox is not supported: sandbox agents run files and commands on this ` +
        'machine outside any journaled step, so a replay would run them again. Remove the option.',
    );
  }
}

/**
 * The Codex tool (`codexTool` of `@openai/agents-extensions`, named `codex` or `codex_…`, taking `inputs`)
 * runs a Codex agent on this machine that edits files and runs commands for minutes, outside any step.
 */
function refuseCodex(agentName: string, candidate: AnyAgent['tools'][number]): void {
  if (candidate.type !== 'function' || !/^codex($|_)/.test(candidate.name)) return;
  const properties = (candidate.parameters as { properties?: Record<string, unknown> }).properties;
  if (!properties || !('inputs' in properties)) return;
  throw invalidOption(
    `Tool "${candidate.name}" of agent "${agentName}" is the Codex tool (codexTool): it runs a Codex agent ` +
      'on this machine (file edits, commands) outside any journaled step, so a replay would run it again. ' +
      'It is not supported by DurableRunner; call Codex from a durableTool whose step does one task.',
  );
}

function rejectWallClock(where: string, settings: RunConfig['modelSettings']): void {
  if (settings?.timeoutMs !== undefined) {
    throw new TerminalError(
      `${where}.timeoutMs is not supported by DurableRunner: a wall-clock timeout around a journaled ` +
        'model step breaks replay. Use the step retry options (`step.maxRetryDuration`) instead.',
    );
  }
  if (settings?.retry !== undefined) {
    throw new TerminalError(
      `${where}.retry is not supported by DurableRunner: Restate retries each model step ` +
        '(`step.maxRetryAttempts`), and SDK retries would run outside the journaled step.',
    );
  }
}

/** The SDK's process-wide default provider, resolved at call time like the SDK's own lazy default. */
function defaultModelProvider(): ModelProvider {
  return {
    getModel: (name) => (new Runner().config.modelProvider as ModelProvider).getModel(name),
  };
}
