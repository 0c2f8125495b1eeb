/**
 * Mastra workflows (`createWorkflow` / `createStep`) run inside a Restate handler, each step journaled.
 * Mastra's workflow engine lets a platform replace how steps run (`ExecutionEngine`: `executeStepWithRetry`,
 * `executeSleepDuration`, … — the hooks `@mastra/inngest` uses); {@link durableWorkflow} gives one run an
 * engine that makes every step one Restate step and every sleep a Restate timer, so a replay (or a restart
 * after a crash) returns the journaled outputs instead of running the steps again.
 *
 * - A step (`createStep`, a tool step, a mapping) is one journaled step `mastra:workflow:<workflowId>:<stepId>`
 *   holding its output; Mastra's step `retries` become the step's retry cap. A step that gives up fails the
 *   workflow as in Mastra (`status: 'failed'`); a `TerminalError` it throws ends the invocation.
 * - An agent step (`createStep(agent)`, `.then(agent)`) is not wrapped: the agent runs through `durableAgent`
 *   (checked first, as a sub-agent is), so its model calls and tools are the journaled steps.
 * - `.sleep()` / `.sleepUntil()` are Restate timers (`ctx.sleep`), durable across restarts.
 * - Refused before any step: `.parallel()` and `.foreach()` with concurrency > 1 (branches would journal their
 *   steps in a different order on replay), nested workflows, and a step's `suspend()` (Mastra keeps the run in
 *   its storage and resumes it from another request; wait on a Restate awakeable in the handler instead).
 */

import type { Workflow } from '@mastra/core/workflows';
import { DefaultExecutionEngine } from '@mastra/core/workflows';
import {
  asToolGaveUp,
  type DurableStepOptions,
  durableStep,
  findControlError,
  idSource,
  invalidOption,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { TerminalError } from '@restatedev/restate-sdk';
import { prepareAgent } from './durable-agent.js';
import { withContext } from './restate-context.js';
import { STEP_NAMES } from './step-names.js';

// biome-ignore lint/suspicious/noExplicitAny: a workflow of any schemas and steps.
type AnyWorkflow = Workflow<any, any, any, any, any, any, any, any>;

/** Options of {@link durableWorkflow}: the journaled steps' retry options besides the step's own `retries`. */
export type DurableWorkflowOptions = Omit<
  DurableStepOptions<unknown>,
  'serde' | 'maxRetryAttempts' | 'classify'
>;

/** What {@link durableWorkflow} returns: `start` of one run, as `(await workflow.createRun()).start(…)`. */
export interface DurableWorkflow<W extends AnyWorkflow> {
  start: (
    args: Parameters<Awaited<ReturnType<W['createRun']>>['start']>[0],
  ) => ReturnType<Awaited<ReturnType<W['createRun']>>['start']>;
}

/** One entry of a workflow's step graph, as far as the checks read it. */
interface GraphEntry {
  type: string;
  id?: string;
  step?: GraphEntry | { id: string; component?: string; __agentRef?: unknown };
  steps?: GraphEntry[];
  agent?: unknown;
  opts?: { concurrency?: unknown };
}

/**
 * A Mastra workflow whose run is durable in this invocation: each step journaled, sleeps on Restate timers,
 * agent steps through `durableAgent`. The run id comes from the invocation; the request context carries
 * `ctx` (`restateContext` works in a step, outside its journaled body only — Restate steps do not nest).
 *
 * @example
 * const result = await durableWorkflow(ctx, orderWorkflow).start({ inputData: { orderId } });
 * if (result.status === 'success') return result.result;
 */
export function durableWorkflow<W extends AnyWorkflow>(
  ctx: Context,
  workflow: W,
  options: DurableWorkflowOptions = {},
): DurableWorkflow<W> {
  const start = async (args: { requestContext?: never; [key: string]: unknown } = {}) => {
    const requestContext = withContext(ctx, args.requestContext);
    const agentSteps = new Set<string>();
    for (const entry of workflow.stepGraph as unknown as GraphEntry[]) {
      await checkEntry(workflow.id, entry, requestContext, agentSteps);
    }
    const run = await workflow.createRun({ runId: idSource(ctx).uuid('mastra:workflow-run') });
    const base = run.executionEngine as unknown as {
      mastra?: unknown;
      options?: unknown;
    };
    const engine = new RestateExecutionEngine(
      { mastra: base.mastra, options: base.options } as never,
      ctx,
      workflow.id,
      agentSteps,
      options,
    );
    run.executionEngine = engine;
    const result = (await run.start({ ...args, requestContext } as never)) as {
      status: string;
    };
    if (engine.control !== undefined) throw engine.control;
    if (result.status === 'suspended') {
      throw invalidOption(
        `durableWorkflow: a step of ${workflow.id} called suspend(): Mastra keeps a suspended run in its storage ` +
          'and resumes it from another request. Wait for the input inside the handler instead (an awakeable: ' +
          'ctx.awakeable(), resolved from outside), then start the workflow with it.',
      );
    }
    return result;
  };
  return { start } as unknown as DurableWorkflow<W>;
}

async function checkEntry(
  workflowId: string,
  entry: GraphEntry,
  requestContext: unknown,
  agentSteps: Set<string>,
): Promise<void> {
  const refuse = (what: string) => {
    throw invalidOption(`durableWorkflow: ${workflowId} ${what}`);
  };
  switch (entry.type) {
    case 'parallel':
      refuse(
        'has .parallel() steps: Mastra runs them at once, so their steps would be journaled in a different ' +
          'order on replay. Chain them with .then() (or run them as separate Restate calls).',
      );
      break;
    case 'foreach':
      if (entry.opts?.concurrency !== undefined && entry.opts.concurrency !== 1) {
        refuse(
          `has a .foreach() with concurrency ${String(entry.opts.concurrency)}: items would be journaled in a ` +
            'different order on replay. Leave concurrency out (1).',
        );
      }
      break;
    case 'agent':
      if (entry.agent) await prepareAgent(entry.agent, requestContext);
      if (entry.id) agentSteps.add(entry.id);
      return;
    case 'step': {
      const step = entry.step as { id: string; component?: string; __agentRef?: unknown };
      if (step.component === 'WORKFLOW') {
        refuse(
          `has the nested workflow ${step.id}: not supported yet; run it with its own durableWorkflow call.`,
        );
      }
      if (step.component === 'AGENT') {
        if (step.__agentRef) await prepareAgent(step.__agentRef, requestContext);
        agentSteps.add(step.id);
      }
      return;
    }
  }
  if (entry.step)
    await checkEntry(workflowId, entry.step as GraphEntry, requestContext, agentSteps);
  for (const step of entry.steps ?? []) {
    await checkEntry(workflowId, step, requestContext, agentSteps);
  }
}

type StepOutcome<T> =
  | { ok: true; result: T }
  | {
      ok: false;
      error: { status: 'failed'; error: Error; endedAt: number; nonRetryable?: true };
    };

/** Mastra's default engine, with steps as journaled Restate steps and sleeps as Restate timers. */
class RestateExecutionEngine extends DefaultExecutionEngine {
  /** A Restate control error a step threw (terminal, cancelled): rethrown once the run returns. */
  control: unknown;
  readonly #ctx: Context;
  readonly #workflowId: string;
  readonly #agentSteps: Set<string>;
  readonly #options: DurableWorkflowOptions;

  constructor(
    config: ConstructorParameters<typeof DefaultExecutionEngine>[0],
    ctx: Context,
    workflowId: string,
    agentSteps: Set<string>,
    options: DurableWorkflowOptions,
  ) {
    super(config);
    this.#ctx = ctx;
    this.#workflowId = workflowId;
    this.#agentSteps = agentSteps;
    this.#options = options;
  }

  override async executeStepWithRetry<T>(
    stepId: string,
    runStep: () => Promise<T>,
    params: { retries: number; delay: number },
  ): Promise<StepOutcome<T>> {
    // Mastra names the operation `workflow.<workflowId>.step.<stepId>`.
    const id = stepId.slice(stepId.lastIndexOf('.step.') + '.step.'.length);
    if (this.#agentSteps.has(id)) {
      // Its model calls and tools are the journaled steps; a Restate step cannot hold them.
      try {
        return { ok: true, result: await runStep() };
      } catch (error) {
        return this.#failed(error, id);
      }
    }
    try {
      const result = await durableStep(
        this.#ctx,
        STEP_NAMES.workflowStep(this.#workflowId, id),
        runStep,
        {
          ...(params.delay > 0 && { initialRetryInterval: params.delay }),
          ...this.#options,
          maxRetryAttempts: params.retries + 1,
        },
      );
      return { ok: true, result };
    } catch (error) {
      return this.#failed(error, id);
    }
  }

  #failed(error: unknown, id: string): StepOutcome<never> {
    // Retries ran out: the workflow fails as in Mastra (the outcome is journaled, so the same on replay).
    const gaveUp = asToolGaveUp(error, id);
    if (gaveUp !== undefined) {
      return { ok: false, error: { status: 'failed', error: gaveUp, endedAt: Date.now() } };
    }
    const control = findControlError(error);
    if (control !== undefined) {
      this.control ??= control;
      throw control;
    }
    return {
      ok: false,
      error: {
        status: 'failed',
        error: error instanceof Error ? error : new TerminalError(String(error)),
        endedAt: Date.now(),
      },
    };
  }

  override async executeSleepDuration(duration: number): Promise<void> {
    await this.#ctx.sleep(Math.max(0, duration), STEP_NAMES.workflowSleep(this.#workflowId));
  }

  override async executeSleepUntilDate(date: Date): Promise<void> {
    await this.#ctx.sleep(
      Math.max(0, date.getTime() - Date.now()),
      STEP_NAMES.workflowSleep(this.#workflowId),
    );
  }
}
