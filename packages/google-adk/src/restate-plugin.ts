/**
 * The run-level hooks (R3, R4, R5, approvals), as an ADK plugin on the `Runner`:
 * - it makes the invocation's Restate context reachable from every tool and callback (`restateContext`);
 * - a tool that needs confirmation (`FunctionTool`'s `requireConfirmation`, a flag or a predicate) waits for a
 *   human on a Restate awakeable (core's `requestApproval` with the contract's `ApprovalOptions`) *inside*
 *   the invocation: ADK's own flow would end the invocation with an `adk_request_confirmation` call and need a
 *   second run to carry the answer; here the decision is journaled, an approval runs the tool (with the
 *   approver's `editedArgs` when given), a rejection hands the model ADK's rejection shape `{ error: <message> }`;
 * - after a tool or model error it ends ADK's invocation when a Restate control error was latched, so no
 *   further call starts (the tool guards and `durableModel` latch them; `runDurably` rethrows).
 *
 * Sessions need no flush at the end of a run: `RestateSessionService` writes each event as it is appended.
 */
import {
  type Context as AdkContext,
  BasePlugin,
  type BaseTool,
  isFunctionTool,
  type LlmRequest,
  type LlmResponse,
  ToolConfirmation,
} from '@google/adk';
import { type ApprovalOptions, rejectionMessage, requestApproval } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { attemptState, capture } from './attempt-state.js';
import { bindContext, RESTATE_PLUGIN_NAME, registerPlugin } from './restate-context.js';

/** What the approver is shown for one function call. */
export interface ToolApprovalDetails {
  /** The tool's name. */
  tool: string;
  /** The arguments the model sent. */
  args: Record<string, unknown>;
  /** The function-call id (replay-stable). */
  functionCallId: string | undefined;
}

/** Options of {@link RestatePlugin}. */
export interface RestatePluginOptions {
  /** How approvals are requested and what a rejection tells the model (core's `ApprovalOptions`). */
  approval?: ApprovalOptions<ToolApprovalDetails>;
}

type ConfirmationCheck = (args: unknown, toolContext: AdkContext) => Promise<boolean>;

/** Whether the call needs a human's confirmation; `false` when the arguments fail the tool's own schema. */
async function needsConfirmation(
  tool: BaseTool,
  args: Record<string, unknown>,
  toolContext: AdkContext,
): Promise<boolean> {
  if (!isFunctionTool(tool) || toolContext.toolConfirmation) return false;
  const check = (tool as unknown as { checkRequireConfirmation?: ConfirmationCheck })
    .checkRequireConfirmation;
  if (typeof check !== 'function') return false;
  try {
    return await check.call(tool, args, toolContext);
  } catch {
    // Invalid arguments: the tool's own validation reports them to the model, nothing is approved.
    return false;
  }
}

/**
 * The Restate plugin of an ADK `Runner`: `plugins: [new RestatePlugin(ctx, { approval })]`.
 *
 * @example
 * new Runner({ appName, agent: withRestate(ctx, agent), sessionService: new RestateSessionService(ctx),
 *   plugins: [new RestatePlugin(ctx, { approval: { onRequest: ({ id }) => notify(id) } })] });
 */
export class RestatePlugin extends BasePlugin {
  /** The invocation's Restate context. */
  readonly ctx: Context;
  readonly #options: RestatePluginOptions;

  constructor(ctx: Context, options: RestatePluginOptions = {}) {
    super(RESTATE_PLUGIN_NAME);
    this.ctx = ctx;
    this.#options = options;
    registerPlugin(this, ctx);
  }

  override async beforeToolCallback(params: {
    tool: BaseTool;
    toolArgs: Record<string, unknown>;
    toolContext: AdkContext;
  }): Promise<Record<string, unknown> | undefined> {
    const { tool, toolArgs, toolContext } = params;
    const ctx = this.ctx;
    bindContext(toolContext.invocationContext, ctx);
    if (!(await needsConfirmation(tool, toolArgs, toolContext))) return undefined;
    const details: ToolApprovalDetails = {
      tool: tool.name,
      args: toolArgs,
      functionCallId: toolContext.functionCallId,
    };
    let decision: Awaited<ReturnType<typeof requestApproval>>;
    try {
      decision = await requestApproval(ctx, details, this.#options.approval);
    } catch (error) {
      // A plugin's throw is rewrapped by ADK without its cause: latch it and end the run instead.
      if (!capture(ctx, error)) throw error;
      toolContext.invocationContext.endInvocation = true;
      return { error: `The invocation ended while "${tool.name}" waited for approval.` };
    }
    if (!decision.approved) {
      return { error: rejectionMessage(this.#options.approval, details, decision, tool.name) };
    }
    if (decision.editedArgs) {
      // ADK hands the tool this very object after the plugin's callback: the call runs with the edited arguments.
      for (const key of Object.keys(toolArgs)) delete toolArgs[key];
      Object.assign(toolArgs, decision.editedArgs);
    }
    // ADK's confirmation gate lets the call through once it holds a confirmation.
    toolContext.toolConfirmation = new ToolConfirmation({ confirmed: true });
    return undefined;
  }

  override async onToolErrorCallback(params: {
    tool: BaseTool;
    toolArgs: Record<string, unknown>;
    toolContext: AdkContext;
    error: Error;
  }): Promise<Record<string, unknown> | undefined> {
    if (attemptState(this.ctx).latch.captured) {
      params.toolContext.invocationContext.endInvocation = true;
    }
    return undefined;
  }

  override async onModelErrorCallback(params: {
    callbackContext: AdkContext;
    llmRequest: LlmRequest;
    error: Error;
  }): Promise<LlmResponse | undefined> {
    if (attemptState(this.ctx).latch.captured) {
      params.callbackContext.invocationContext.endInvocation = true;
    }
    return undefined;
  }
}
