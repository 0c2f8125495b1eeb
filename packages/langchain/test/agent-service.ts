/**
 * Conformance service, createAgent flavour: a `createAgent` agent over `ChatOpenAI` (HTTP to the scripted
 * model server) made durable by `restateMiddleware` alone; history in `RestateChatMessageHistory`;
 * approvals through the middleware. Runs in a child process the suite kills and restarts.
 */

import { type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { assertInput } from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_OBJECT,
  CONFORMANCE_TOOLS,
  type ConformanceInput,
  type ConformanceOutput,
  postToLedger,
} from '@restate-agents/testing';
import * as restate from '@restatedev/restate-sdk';
import { createAgent } from 'langchain';
import { RestateChatMessageHistory, restateMiddleware } from '../src/index.js';
import { conformanceTools } from './conformance-tools.js';

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
      const session = ctx.key;
      const history = new RestateChatMessageHistory(ctx);
      await history.addMessage(new HumanMessage(input.prompt));
      const messages = await history.getMessages();
      const agent = createAgent({
        model: new ChatOpenAI({
          model: input.model,
          apiKey: 'scripted',
          configuration: { baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl] },
        }),
        tools: conformanceTools(ctx, { recordOwnStep: true, approvalInTool: false }),
        middleware: [
          restateMiddleware(ctx, {
            approval: {
              tools: { [CONFORMANCE_TOOLS.approveAction]: true },
              onRequest: ({ id, details }) =>
                postToLedger('approval', { session, approvalId: id, action: details.args.action }),
              rejectionMessage: (details) => `rejected ${String(details.args.action)}`,
            },
            ...(input.modelAttemptTimeoutMs !== undefined && {
              step: { attemptTimeout: input.modelAttemptTimeoutMs },
            }),
          }),
        ],
      });
      let state: { messages: BaseMessage[] } | undefined;
      if (input.stream) {
        // 'messages' mode attaches a streaming callback: the model streams (inside its step).
        for await (const [mode, chunk] of await agent.stream(
          { messages },
          { streamMode: ['values', 'messages'] },
        )) {
          if (mode === 'values') state = chunk as { messages: BaseMessage[] };
        }
      } else {
        state = await agent.invoke({ messages });
      }
      const produced = state?.messages.slice(messages.length) ?? [];
      await history.addMessages(produced);
      return { text: produced.at(-1)?.text ?? '' };
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
