/**
 * The agent hook (R4, R5): `generate` and `stream` of a Mastra `Agent` through {@link withRestate}, with the
 * checks only the agent allows — a model that is not durable, an agent-level `maxRetries` (it beats the
 * call's `maxRetries: 0` in Mastra), Mastra's own `durable` loop, tools with Mastra's native approval (it
 * suspends the run into Mastra's storage), processors and memory features whose calls cannot be journaled
 * (`check-processors.ts`) — and the control error rethrown after the run.
 *
 * `stream()` never rejects in Mastra: a failed model step arrives as an `error` chunk and `text` resolves
 * to `""`. The stream `durableAgent` returns ends its `fullStream` / `textStream` with that error, and its
 * promises (`text`, `getFullOutput()`, …) reject with it, so the invocation fails (and is retried) instead
 * of returning an empty answer.
 *
 * Live streaming (docs/live-streaming.md): with `live` (or a model made by `durableModel(ctx, model, { live })`)
 * the run's model steps stream to the stream log. Pipe `stream()`'s output with `pipeMastraStream`;
 * `generate()` does that itself (it runs the agent's `stream()`, pipes it and returns its full output, so
 * the user sees the tokens and the turn ends), since Mastra's `generate()` asks the model for a whole answer
 * and shows nothing live. A sub-agent's model must not stream live: its steps are not steps of the turn.
 */

import type { Agent } from '@mastra/core/agent';
import { brand, hasBrand, invalidOption, isDurable, type LiveStream } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { checkMemoryConfig, checkProcessors } from './check-processors.js';
import { modelLive, RESTATE_MODEL } from './durable-model.js';
import { type MastraStreamOutput, pipeMastraStream } from './live.js';
import { findContext, withContext } from './restate-context.js';
import {
  type DurableCallOptions,
  type DurableToolHooks,
  latchOf,
  type WithRestateOptions,
  withRestate,
} from './with-restate.js';

/** Options of {@link durableAgent}: the same as {@link withRestate}'s. */
export type DurableAgentOptions = WithRestateOptions;

// biome-ignore lint/suspicious/noExplicitAny: an agent of any id, tools, output and request context.
type AnyAgent = Agent<any, any, any, any>;

/** `generate` and `stream` of the agent, made durable; same signatures as the agent's. */
export interface DurableAgent<A extends AnyAgent> {
  generate: A['generate'];
  stream: A['stream'];
  /** Refused: Mastra's agent network is not durable (see {@link NETWORK_REFUSAL}); it always rejects. */
  network: (...args: unknown[]) => Promise<never>;
}

/** Why `durableAgent(ctx, agent).network()` is refused. */
export const NETWORK_REFUSAL: string =
  "durableAgent: agent.network() is not supported: Mastra's network loop routes between agents, workflows " +
  'and tools on its workflow engine, keeps its state in Mastra storage and makes routing and completion-check ' +
  'model calls of its own, outside the journal. Give the supervisor its agents as sub-agents (`agents: { … }`) ' +
  "and call durableAgent(ctx, agent).generate() or .stream(): each sub-agent's model calls and tools are journaled.";

/** The agent fields and methods {@link durableAgent} reads (some are marked internal in Mastra's types). */
interface AgentInternals {
  name?: string;
  model?: unknown;
  maxRetries?: number;
  durable?: unknown;
  getConfiguredToolHooks?: () => DurableToolHooks | undefined;
  getDefaultOptions?: (args: { requestContext: unknown }) => Promise<Record<string, unknown>>;
  listTools?: (args: {
    requestContext: unknown;
  }) => Promise<Record<string, { requireApproval?: unknown }>>;
  listAgents?: (args: { requestContext: unknown }) => Promise<Record<string, AnyAgent>>;
  listWorkflows?: (args: { requestContext: unknown }) => Promise<Record<string, unknown>>;
  listScorers?: (args: { requestContext: unknown }) => Promise<Record<string, unknown>>;
  listConfiguredInputProcessors?: (requestContext: unknown) => Promise<unknown[]>;
  listConfiguredOutputProcessors?: (requestContext: unknown) => Promise<unknown[]>;
  listErrorProcessors?: (requestContext: unknown) => Promise<unknown[]>;
  getMemory?: (args: {
    requestContext: unknown;
  }) => Promise<{ getMergedThreadConfig?: (config?: unknown) => unknown } | undefined>;
}

/**
 * The agent's `generate` and `stream`, made durable: call options through {@link withRestate}, the agent
 * checked before the first step, the Restate control error a tool threw (terminal, cancelled) rethrown.
 * The agent's model must be durable: `durableModel(ctx, model)` for an agent built in the handler,
 * `restateModel(model)` for one declared at module level.
 *
 * @example
 * const agent = new Agent({ id: 'support', name: 'Support', instructions, model: durableModel(ctx, openai.chat('gpt-4.1')), tools });
 * const { text } = await durableAgent(ctx, agent).generate(message, { memory: { thread: ctx.key, resource: 'user' } });
 */
export function durableAgent<A extends AnyAgent>(
  ctx: Context,
  agent: A,
  options: DurableAgentOptions = {},
): DurableAgent<A> {
  const internals = agent as unknown as AgentInternals;
  checkAgent(internals);
  const live = runLive(internals, options.live);
  const runOptions: WithRestateOptions = live ? { ...options, live } : options;
  const prepare = async (callOptions: DurableCallOptions | undefined) => {
    const requestContext = withContext(ctx, callOptions?.requestContext);
    await checkTools(internals, requestContext, callOptions?.memory?.options);
    await prepareSubAgents(internals, requestContext, new Set([agent]));
    const defaults = (await internals.getDefaultOptions?.({ requestContext })) ?? {};
    return withRestate(ctx, { ...callOptions, requestContext }, runOptions, {
      hooks: internals.getConfiguredToolHooks?.(),
      bounded: defaults.maxSteps !== undefined || defaults.stopWhen !== undefined,
    });
  };
  const generate = async (messages: unknown, callOptions?: DurableCallOptions) => {
    if (live) return generateLive(live, await stream(messages, callOptions));
    const durable = await prepare(callOptions);
    const latch = latchOf(durable);
    let result: { error?: unknown };
    try {
      result = await (agent.generate as (m: unknown, o: unknown) => Promise<{ error?: unknown }>)(
        messages,
        durable,
      );
    } catch (error) {
      latch?.rethrow();
      throw error;
    }
    latch?.rethrow();
    if (result.error !== undefined) throw result.error;
    return result;
  };
  const stream = async (messages: unknown, callOptions?: DurableCallOptions) => {
    const durable = await prepare(callOptions);
    const output = await (agent.stream as (m: unknown, o: unknown) => Promise<object>)(
      messages,
      durable,
    );
    return failingOutput(output, () => {
      latchOf(durable)?.rethrow();
      const error = (output as { error?: unknown }).error;
      if (error !== undefined) throw error;
    });
  };
  const network = async (): Promise<never> => {
    throw invalidOption(NETWORK_REFUSAL);
  };
  return { generate, stream, network } as unknown as DurableAgent<A>;
}

/** `generate()` of a live run: the streamed run piped to the log (the turn ended), then its full output. */
async function generateLive(live: LiveStream, output: object): Promise<unknown> {
  await pipeMastraStream(live, output as MastraStreamOutput);
  const full = await (output as { getFullOutput(): Promise<{ error?: unknown }> }).getFullOutput();
  if (full.error !== undefined) throw full.error;
  return full;
}

/**
 * The run's live stream: `live`, or the one the agent's model was made with. A model made durable without it,
 * or with another one, would stream to no turn or to another: refused.
 */
function runLive(agent: AgentInternals, live: LiveStream | undefined): LiveStream | undefined {
  let found = live;
  for (const model of agentModels(agent)) {
    const made = modelLive(model);
    if (!made) continue;
    if (live && made.live !== live) {
      throw invalidOption(
        `durableAgent: ${agent.name ?? 'the agent'}'s model was made by durableModel ${made.live ? 'with another live stream' : 'without live'}, ` +
          "so its steps would not stream into this run's turn: give it the same stream, durableModel(ctx, model, { live }), " +
          'or use restateModel(model), which takes it from the run.',
      );
    }
    found ??= made.live;
  }
  return found;
}

function agentModels(agent: AgentInternals): unknown[] {
  return Array.isArray(agent.model)
    ? (agent.model as { model?: unknown }[]).map((entry) => entry.model)
    : [agent.model];
}

/** Marks a sub-agent whose `generate` / `stream` {@link makeSubAgentDurable} replaced. */
const DURABLE_SUB_AGENT = 'mastra:durable-sub-agent';

/**
 * Sub-agents (`agents: { … }`): Mastra makes each one a tool `agent-<name>` whose execution calls the
 * sub-agent's own `generate()` / `stream()` with Mastra's defaults (10 tools at once, eager tools, errors
 * fed to its model), out of reach of the parent's call options. Every sub-agent in the tree is checked as
 * the agent is (a durable model, no `maxRetries`, no native approval) and made durable itself: its
 * `generate` / `stream` go through `durableAgent` whenever the request context carries a Restate context —
 * which Mastra copies from the parent's run. Its model calls continue the invocation's numbering
 * (`mastra:model:<n>`), its tools are steps keyed by their own call ids, one at a time in model order; a
 * control error a sub-agent's tool throws ends the sub-agent, then the parent (its tool fails with it).
 */
/**
 * An agent run by something else inside a Restate run (an agent step of `durableWorkflow`): checked as the
 * agent is, then its `generate` / `stream` (and its sub-agents') go through `durableAgent` (see
 * {@link makeSubAgentDurable}).
 */
export async function prepareAgent(agent: unknown, requestContext: unknown): Promise<void> {
  const internals = agent as AgentInternals;
  checkAgent(internals, 'the agent step ');
  await checkTools(internals, requestContext);
  makeSubAgentDurable(agent as AnyAgent);
  await prepareSubAgents(internals, requestContext, new Set([agent]));
}

async function prepareSubAgents(
  agent: AgentInternals,
  requestContext: unknown,
  seen: Set<unknown>,
): Promise<void> {
  const agents = (await agent.listAgents?.({ requestContext })) ?? {};
  for (const sub of Object.values(agents)) {
    if (seen.has(sub)) continue;
    seen.add(sub);
    const internals = sub as unknown as AgentInternals;
    checkAgent(internals, 'sub-agent ');
    if (agentModels(internals).some((model) => modelLive(model)?.live)) {
      throw invalidOption(
        `durableAgent: sub-agent ${internals.name ?? ''} has a model made with live: a sub-agent's steps are ` +
          "not steps of the turn (the parent's stream counts its own steps only, and the sub-agent would end " +
          'the turn). Give it durableModel(ctx, model) without live, or restateModel(model).',
      );
    }
    await checkTools(internals, requestContext);
    makeSubAgentDurable(sub);
    await prepareSubAgents(internals, requestContext, seen);
  }
}

/**
 * Replaces the sub-agent's `generate` / `stream` (own properties of this instance) by ones that run through
 * `durableAgent` when the call's request context carries a Restate context; outside Restate, or called
 * with options `withRestate` made already, they are the agent's own. Done once per instance: an agent
 * declared at module level is shared by every invocation, each finds its own `ctx` in its request context.
 */
function makeSubAgentDurable(sub: AnyAgent): void {
  if (hasBrand(sub, DURABLE_SUB_AGENT)) return;
  for (const method of ['generate', 'stream'] as const) {
    const own = (sub[method] as (m: unknown, o?: DurableCallOptions) => unknown).bind(sub);
    Object.defineProperty(sub, method, {
      configurable: true,
      writable: true,
      value: (messages: unknown, callOptions?: DurableCallOptions) => {
        const ctx = findContext(callOptions?.requestContext);
        if (ctx === undefined || (callOptions && latchOf(callOptions))) {
          return own(messages, callOptions);
        }
        // No approval options: Mastra does not pass `requireToolApproval` on to a sub-agent.
        return durableAgent(ctx, sub)[method](messages as never, callOptions as never);
      },
    });
  }
  brand(sub, DURABLE_SUB_AGENT);
}

function checkAgent(agent: AgentInternals, role = ''): void {
  const name = `${role}${agent.name ?? 'the agent'}`;
  if (agent.durable !== undefined && agent.durable !== false) {
    throw invalidOption(
      `durableAgent: ${name} has \`durable\` set: that is Mastra's own durable loop (timers, pub/sub, its ` +
        'storage); Restate makes the regular loop durable. Remove the `durable` option.',
    );
  }
  if (typeof agent.maxRetries === 'number' && agent.maxRetries > 0) {
    throw invalidOption(
      `durableAgent: ${name} has maxRetries ${agent.maxRetries}, which Mastra applies over the call's ` +
        'maxRetries: 0 and would retry inside a journaled model step. Remove it and set the retry cap with ' +
        'durableModel(ctx, model, { step: { maxRetryAttempts } }).',
    );
  }
  const models = Array.isArray(agent.model) ? agent.model : [{ model: agent.model }];
  for (const entry of models as { model?: unknown; maxRetries?: number }[]) {
    if (typeof entry.maxRetries === 'number' && entry.maxRetries > 0) {
      throw invalidOption(
        `durableAgent: a fallback model of ${name} has maxRetries ${entry.maxRetries}; remove it (the model ` +
          "step's retry cap applies: durableModel(ctx, model, { step: { maxRetryAttempts } })).",
      );
    }
    checkModel(name, entry.model);
  }
}

function checkModel(name: string, model: unknown): void {
  // A dynamic model is resolved per run; `restateModel` is durable, a function of the user's is trusted.
  if (typeof model === 'function') return;
  if (hasBrand(model, RESTATE_MODEL) || isDurable(model, 'model')) return;
  const what =
    typeof model === 'string' ? `the model router id "${model}"` : 'a model that is not durable';
  throw invalidOption(
    `durableAgent: ${name} has ${what}: its calls would not be journaled. Give the agent ` +
      'durableModel(ctx, createOpenAI({ … }).chat(id)) (an agent built in the handler) or ' +
      'restateModel(createOpenAI({ … }).chat(id)) (an agent declared at module level).',
  );
}

async function checkTools(
  agent: AgentInternals,
  requestContext: unknown,
  memoryOptions?: unknown,
): Promise<void> {
  const name = agent.name ?? 'the agent';
  const where = `durableAgent: ${name}`;
  checkProcessors(where, await agent.listConfiguredInputProcessors?.(requestContext));
  checkProcessors(where, await agent.listConfiguredOutputProcessors?.(requestContext));
  checkProcessors(where, await agent.listErrorProcessors?.(requestContext));
  const memory = await agent.getMemory?.({ requestContext });
  checkMemoryConfig(where, memory?.getMergedThreadConfig?.(memoryOptions));
  const workflows = Object.keys((await agent.listWorkflows?.({ requestContext })) ?? {});
  if (workflows.length > 0) {
    throw invalidOption(
      `durableAgent: ${name} has workflows (${workflows.join(', ')}), which Mastra runs as tools on its ` +
        'workflow engine: parallel branches, timers and snapshots in its storage, outside the journal. Remove ' +
        "them from the agent; give it durable tools instead, or run the workflow's steps as steps of a Restate " +
        'handler (docs/adapters/mastra.md#workflows).',
    );
  }
  const scorers = Object.keys((await agent.listScorers?.({ requestContext })) ?? {});
  if (scorers.length > 0) {
    throw invalidOption(
      `durableAgent: ${name} has scorers (${scorers.join(', ')}), which Mastra starts after the run without ` +
        'awaiting them: their judge-model calls would run outside the journal, again on every replay. Remove ' +
        "them from the agent used in durable runs and score recorded runs offline (Mastra's runEvals).",
    );
  }
  const tools = (await agent.listTools?.({ requestContext })) ?? {};
  const native = Object.entries(tools)
    .filter(([, tool]) => Boolean(tool?.requireApproval))
    .map(([key]) => key);
  if (native.length > 0) {
    throw invalidOption(
      `durableAgent: ${native.join(', ')} ${native.length === 1 ? 'has' : 'have'} requireApproval, Mastra's ` +
        'approval that suspends the run into its storage. Remove it and select the calls with the call option ' +
        'requireToolApproval (true or a function): durableAgent asks on a Restate awakeable (options.approval).',
    );
  }
}

const STREAMS: ReadonlySet<PropertyKey> = new Set([
  'fullStream',
  'textStream',
  'objectStream',
  'elementStream',
]);

/**
 * `output` whose streams end with the run's error and whose promises reject with it (see the module
 * comment); everything else is the output itself.
 */
function failingOutput<T extends object>(output: T, check: () => void): T {
  return new Proxy(output, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (STREAMS.has(property) && value instanceof ReadableStream) {
        return value.pipeThrough(
          new TransformStream({
            transform: (chunk, controller) => controller.enqueue(chunk),
            flush: () => check(),
          }),
        );
      }
      if (value instanceof Promise) {
        return value.then((resolved) => {
          check();
          return resolved;
        });
      }
      if (typeof value === 'function') {
        if (property === 'getFullOutput') {
          return async (...args: unknown[]) => {
            const full = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            check();
            return full;
          };
        }
        return value.bind(target);
      }
      return value;
    },
  });
}
