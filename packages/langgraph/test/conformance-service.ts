/**
 * The conformance service: a LangGraph `StateGraph` run by `durableGraph`. Each turn the `agent` node
 * calls `durableChatModel(ctx, ChatOpenAI)`; the tool calls of its message go to one prebuilt `ToolNode`
 * task together (as with `toolsCondition`), next to a parallel `audit` branch, and calls with invalid
 * arguments fan out with `Send`. `approve_action` asks with LangGraph's `interrupt()`, which durableGraph turns into
 * an awakeable; the conversation lives in the graph's checkpoints (RestateCheckpointSaver).
 * Runs in a child process the suite kills.
 */
import { type AIMessage, AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, interrupt, MessagesAnnotation, Send, START, StateGraph } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { assertInput, durableStep, parseApprovalDecision } from '@restate-agents/core';
import { durableChatModel, durableTool } from '@restate-agents/langchain';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_OBJECT,
  CONFORMANCE_TOOLS,
  type ConformanceInput,
  type ConformanceOutput,
  CRASH_AFTER_SIDE_EFFECT,
  GIVE_UP_ATTEMPT,
  postToLedger,
} from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableGraph } from '../src/index.js';

function buildGraph(ctx: restate.ObjectContext, input: ConformanceInput) {
  const session = ctx.key;
  const tools = [
    tool(
      async ({ id }) => {
        await durableStep(ctx, 'tool:record', () => postToLedger('record', { session, id }));
        crashPoint(CRASH_AFTER_SIDE_EFFECT);
        return `recorded ${id}`;
      },
      {
        name: CONFORMANCE_TOOLS.record,
        description: 'Record an id',
        schema: z.object({ id: z.string() }),
      },
    ),
    tool(
      ({ message }) => {
        throw new restate.TerminalError(message);
      },
      {
        name: CONFORMANCE_TOOLS.failTerminal,
        description: 'Fail for good',
        schema: z.object({ message: z.string() }),
      },
    ),
    tool(
      async () => {
        await durableStep(ctx, 'tool:slow:started', () =>
          postToLedger('event', { session, event: 'slow-started' }),
        );
        await ctx.sleep({ hours: 1 });
        return 'done';
      },
      { name: CONFORMANCE_TOOLS.slow, description: 'Take an hour', schema: z.object({}) },
    ),
    tool(
      ({ action }) => {
        // Pauses the graph; durableGraph's onInterrupt sends the awakeable id to the approver.
        const decision = parseApprovalDecision(action, interrupt({ action }));
        return `${decision.approved ? 'approved' : 'rejected'} ${action}`;
      },
      {
        name: CONFORMANCE_TOOLS.approveAction,
        description: 'Do something that needs approval',
        schema: z.object({ action: z.string() }),
      },
    ),
    tool(({ text }) => text, {
      name: CONFORMANCE_TOOLS.echo,
      description: 'Echo text',
      schema: z.object({ text: z.string() }),
    }),
    // The tool-call contract: a durable tool whose every attempt fails inside its step.
    durableTool(
      ctx,
      tool(
        async ({ message, terminal }) => {
          await postToLedger(GIVE_UP_ATTEMPT, { session, tool: CONFORMANCE_TOOLS.giveUp });
          if (terminal) throw new restate.TerminalError(message);
          throw new Error(message);
        },
        {
          name: CONFORMANCE_TOOLS.giveUp,
          description: 'Fail after the retries',
          schema: z.object({ message: z.string(), terminal: z.boolean() }),
        },
      ),
    ),
  ];
  const model = durableChatModel(
    ctx,
    new ChatOpenAI({
      model: input.model,
      apiKey: 'scripted',
      configuration: { baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl] },
    }),
    // The attempt's signal reaches the request; an attempt that hangs past the timeout is aborted.
    input.modelAttemptTimeoutMs === undefined
      ? {}
      : { step: { attemptTimeout: input.modelAttemptTimeoutMs } },
  ).bindTools(tools);

  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => {
      if (!input.stream) return { messages: [await model.invoke(state.messages)] };
      let answer: AIMessageChunk | undefined;
      for await (const chunk of await model.stream(state.messages)) {
        answer = answer === undefined ? chunk : answer.concat(chunk);
      }
      return { messages: [answer ?? new AIMessageChunk('')] };
    })
    .addNode('tools', new ToolNode(tools))
    .addNode('audit', async (state) => {
      const last = state.messages.at(-1) as AIMessage;
      await durableStep(ctx, 'audit', () => (last.tool_calls ?? []).map((call) => call.name));
      return {};
    })
    .addEdge(START, 'agent')
    .addConditionalEdges(
      'agent',
      (state) => {
        const last = state.messages.at(-1) as AIMessage;
        const valid = last.tool_calls ?? [];
        // Arguments that are not JSON land in invalid_tool_calls, which ToolNode does not run on its own:
        // each goes to it as a Send, and ToolNode answers it with an error.
        const invalid = (last.invalid_tool_calls ?? []).map((call) => ({
          name: call.name ?? '',
          args: call.args as unknown as Record<string, unknown>,
          id: call.id,
        }));
        if (valid.length === 0 && invalid.length === 0) return END;
        // The valid calls of the message go to ToolNode together, as with toolsCondition: it runs them in
        // model order.
        return [
          ...(valid.length > 0 ? ['tools'] : []),
          ...invalid.map((call) => new Send('tools', { lg_tool_call: call })),
          'audit',
        ];
      },
      ['tools', 'audit', END],
    )
    .addEdge('tools', 'agent')
    .addEdge('audit', 'agent')
    .compile();
}

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: ConformanceInput): Promise<ConformanceOutput> {
      // Malformed input would fail the same way on every retry: core ends the invocation at once.
      assertInput(
        input,
        (value) => typeof (value as { prompt?: unknown } | null)?.prompt === 'string',
        'an object with a string prompt',
      );
      const graph = durableGraph(ctx, buildGraph(ctx, input), {
        onInterrupt: ({ awakeableId, value }) =>
          postToLedger('approval', {
            session: ctx.key,
            approvalId: awakeableId,
            action: (value as { action: string }).action,
          }),
      });
      const prompt = new HumanMessage(input.prompt);
      let last: unknown;
      if (input.stream) {
        for await (const chunk of graph.stream({ messages: [prompt] }, { streamMode: 'values' })) {
          last = chunk;
        }
      } else {
        last = await graph.invoke({ messages: [prompt] });
      }
      const messages = (last as { messages: AIMessage[] }).messages;
      return { text: messages.at(-1)?.text ?? '' };
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
