/**
 * Conformance service, hand-written loop flavour: `durableChatModel(ctx, ChatOpenAI).bindTools(...)` in a
 * plain loop, tools in model order through core's `executeInOrder`, `record` wrapped whole in
 * `durableTool`, history in `RestateChatMessageHistory`. Runs in a child process the suite kills.
 */

import {
  type AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  ToolMessage,
} from '@langchain/core/messages';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { assertInput, executeInOrder } from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_OBJECT,
  CONFORMANCE_TOOLS,
  type ConformanceInput,
  type ConformanceOutput,
  CRASH_AFTER_SIDE_EFFECT,
} from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { durableChatModel, durableTool, RestateChatMessageHistory } from '../src/index.js';
import { conformanceTools } from './conformance-tools.js';

const MAX_TURNS = 10;

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(ctx: restate.ObjectContext, input: ConformanceInput): Promise<ConformanceOutput> {
      // Malformed input would fail the same way on every retry: refused before any step.
      assertInput(
        input,
        (value) => typeof (value as ConformanceInput | null)?.prompt === 'string',
        '{ prompt: string, model: string }',
      );
      const tools = conformanceTools(ctx, { recordOwnStep: false, approvalInTool: true }).map(
        (tool) => (tool.name === CONFORMANCE_TOOLS.record ? durableTool(ctx, tool) : tool),
      );
      const byName = new Map<string, StructuredToolInterface>(tools.map((t) => [t.name, t]));
      const model = durableChatModel(
        ctx,
        new ChatOpenAI({
          model: input.model,
          apiKey: 'scripted',
          configuration: { baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl] },
        }),
        input.modelAttemptTimeoutMs === undefined
          ? {}
          : { step: { attemptTimeout: input.modelAttemptTimeoutMs } },
      ).bindTools(tools);

      const history = new RestateChatMessageHistory(ctx);
      await history.addMessage(new HumanMessage(input.prompt));
      const messages: BaseMessage[] = await history.getMessages();
      for (let turn = 0; turn < MAX_TURNS; turn++) {
        let answer: AIMessageChunk | undefined;
        if (input.stream) {
          for await (const chunk of await model.stream(messages)) {
            answer = answer === undefined ? chunk : answer.concat(chunk);
          }
        } else {
          answer = await model.invoke(messages);
        }
        if (!answer) throw new restate.TerminalError('The model returned nothing');
        messages.push(answer);
        await history.addMessage(answer);
        const calls = answer.tool_calls ?? [];
        // Arguments that are not JSON land in invalid_tool_calls: the model hears about them.
        const invalid = (answer.invalid_tool_calls ?? []).map(
          (call) =>
            new ToolMessage({
              content: `Error: the arguments of ${call.name} are not valid JSON (${call.error ?? call.args})`,
              tool_call_id: call.id ?? '',
              status: 'error',
            }),
        );
        if (calls.length === 0 && invalid.length === 0) return { text: answer.text };

        const outcomes = await executeInOrder(calls, async (call) => {
          const tool = byName.get(call.name);
          if (!tool) throw new Error(`Unknown tool ${call.name}`);
          const result: unknown = await tool.invoke({ ...call, type: 'tool_call' });
          // durableTool's step is journaled by now: the contract's crash point.
          if (call.name === CONFORMANCE_TOOLS.record) crashPoint(CRASH_AFTER_SIDE_EFFECT);
          return result as ToolMessage;
        });
        const results = outcomes.map((outcome, index) =>
          outcome.status === 'fulfilled'
            ? outcome.value
            : new ToolMessage({
                content: `Error: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`,
                tool_call_id: calls[index]?.id ?? '',
                status: 'error',
              }),
        );
        messages.push(...invalid, ...results);
        await history.addMessages([...invalid, ...results]);
      }
      throw new restate.TerminalError(`The agent did not finish within ${MAX_TURNS} model turns`);
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
