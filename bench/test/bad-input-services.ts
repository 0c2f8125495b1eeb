/**
 * Services for the bad-input catalogue, served in the test process against the scripted model and the
 * ledger: a hand-written `openai` loop on core (`durableStep`, `executeInOrder`, `requestApproval`) and an
 * AI SDK loop on `@restate-agents/ai-sdk`. Both hand bad tool calls back to the model as tool errors and
 * let terminal and control errors end the invocation.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { durableStep, executeInOrder, requestApproval } from '@restate-agents/core';
import * as restate from '@restatedev/restate-sdk';
import { generateText, isStepCount, jsonSchema, tool } from 'ai';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { ModelAnswer } from '../src/loops/openai-loop.ts';

export interface BadInputRun {
  model: string;
  prompt: string;
  stream?: boolean;
  /** The openai client's own timeout per request (a hang past it is a retryable timeout). */
  timeoutMs?: number;
  maxValueBytes?: number;
}

const argumentSchemas = {
  record: z.object({ id: z.string() }),
  slow: z.object({}),
  approve: z.object({ action: z.string() }),
  circular: z.object({ id: z.string() }),
} as const;

const toolDefinitions = Object.entries(argumentSchemas).map(([name, schema]) => ({
  type: 'function' as const,
  function: { name, parameters: z.toJSONSchema(schema) as Record<string, unknown> },
}));

export function badInputServices(modelUrl: string, ledgerUrl: string) {
  const post = async (kind: string, body: Record<string, unknown>): Promise<void> => {
    const response = await fetch(`${ledgerUrl}/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`ledger answered ${response.status}`);
  };

  async function runTool(ctx: restate.ObjectContext, name: string, raw: string): Promise<string> {
    if (!(name in argumentSchemas)) throw new Error(`unknown tool "${name}"`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new Error(`the arguments of "${name}" are not JSON: ${raw.slice(0, 100)}`);
    }
    const checked = argumentSchemas[name as keyof typeof argumentSchemas].safeParse(parsed);
    if (!checked.success) {
      throw new Error(
        `invalid arguments for "${name}": ${checked.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`,
      );
    }
    const args = checked.data as Record<string, string>;
    const session = ctx.key;
    switch (name) {
      case 'record':
        await durableStep(ctx, 'tool:record', () => post('record', { session, id: args.id }));
        return `recorded ${args.id}`;
      case 'slow':
        await durableStep(ctx, 'tool:slow:started', () =>
          post('event', { session, event: 'slow-started' }),
        );
        await ctx.sleep({ hours: 1 });
        return 'done';
      case 'approve': {
        const decision = await requestApproval(
          ctx,
          { action: args.action },
          {
            onRequest: ({ id }) => post('approval', { session, approvalId: id }),
          },
        );
        if (!decision.approved) return `rejected ${args.action}`;
        await durableStep(ctx, 'tool:approved', () => post('record', { session, id: args.action }));
        return `approved ${args.action}`;
      }
      default: {
        // `circular`: the side effect happens, then the result cannot be journaled.
        const result = await durableStep(ctx, 'tool:circular', async () => {
          await post('record', { session, id: args.id });
          const value: Record<string, unknown> = { id: args.id };
          value.self = value;
          return value;
        });
        return JSON.stringify(result);
      }
    }
  }

  const coreAgent = restate.object({
    name: 'BadInputCore',
    handlers: {
      run: async (ctx: restate.ObjectContext, input: BadInputRun): Promise<{ text: string }> => {
        const client = new OpenAI({
          baseURL: modelUrl,
          apiKey: 'scripted',
          maxRetries: 0,
          timeout: input.timeoutMs ?? 10_000,
        });
        const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: input.prompt }];
        for (let turn = 0; turn < 8; turn++) {
          const answer = await durableStep(
            ctx,
            'openai:chat',
            () =>
              input.stream
                ? streamModel(client, input.model, messages)
                : callModelWithTools(client, input.model, messages),
            input.maxValueBytes === undefined ? {} : { maxValueBytes: input.maxValueBytes },
          );
          messages.push({
            role: 'assistant',
            content: answer.text,
            ...(answer.toolCalls.length > 0 && {
              tool_calls: answer.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: call.arguments },
              })),
            }),
          });
          if (answer.toolCalls.length === 0) return { text: answer.text };
          const outcomes = await executeInOrder(answer.toolCalls, (call) =>
            runTool(ctx, call.name, call.arguments),
          );
          outcomes.forEach((outcome, index) => {
            messages.push({
              role: 'tool',
              tool_call_id: answer.toolCalls[index]?.id ?? '',
              content:
                outcome.status === 'fulfilled'
                  ? outcome.value
                  : `Error: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`,
            });
          });
        }
        throw new restate.TerminalError('the agent did not finish within 8 turns');
      },
    },
  });

  const aiSdkAgent = restate.object({
    name: 'BadInputAiSdk',
    handlers: {
      run: async (ctx: restate.ObjectContext, input: BadInputRun): Promise<{ text: string }> => {
        const { durableTools, withRestate } = await import('@restate-agents/ai-sdk');
        const provider = createOpenAI({ baseURL: modelUrl, apiKey: 'scripted' });
        const session = ctx.key;
        const tools = durableTools(ctx, {
          record: tool({
            inputSchema: jsonSchema<{ id: string }>(
              z.toJSONSchema(argumentSchemas.record) as never,
            ),
            execute: async ({ id }) => {
              await post('record', { session, id });
              return `recorded ${id}`;
            },
          }),
          circular: tool({
            inputSchema: jsonSchema<{ id: string }>(
              z.toJSONSchema(argumentSchemas.circular) as never,
            ),
            execute: async ({ id }) => {
              await post('record', { session, id });
              const value: Record<string, unknown> = { id };
              value.self = value;
              return value;
            },
          }),
        });
        const result = await generateText(
          withRestate(ctx, {
            model: provider.chat(input.model),
            prompt: input.prompt,
            tools,
            stopWhen: isStepCount(8),
          }),
        );
        return { text: result.text };
      },
    },
  });

  return [coreAgent, aiSdkAgent];
}

async function callModelWithTools(
  client: OpenAI,
  model: string,
  messages: ChatCompletionMessageParam[],
): Promise<ModelAnswer> {
  const completion = await client.chat.completions.create({
    model,
    messages,
    tools: toolDefinitions,
  });
  const choice = completion.choices[0];
  if (!choice) throw new Error('The model returned no choices');
  return {
    text: choice.message.content ?? '',
    toolCalls: (choice.message.tool_calls ?? []).flatMap((call) =>
      call.type === 'function'
        ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }]
        : [],
    ),
    finishReason: choice.finish_reason,
  };
}

/** R6: the stream is read to its end inside the step; only the assembled answer is journaled. */
async function streamModel(
  client: OpenAI,
  model: string,
  messages: ChatCompletionMessageParam[],
): Promise<ModelAnswer> {
  const chunks = await client.chat.completions.create({
    model,
    messages,
    tools: toolDefinitions,
    stream: true,
  });
  const answer: ModelAnswer = { text: '', toolCalls: [], finishReason: null };
  for await (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    answer.text += choice.delta.content ?? '';
    for (const delta of choice.delta.tool_calls ?? []) {
      answer.toolCalls[delta.index] ??= { id: '', name: '', arguments: '' };
      const call = answer.toolCalls[delta.index] as ModelAnswer['toolCalls'][number];
      call.id ||= delta.id ?? '';
      call.name += delta.function?.name ?? '';
      call.arguments += delta.function?.arguments ?? '';
    }
    answer.finishReason = choice.finish_reason ?? answer.finishReason;
  }
  return answer;
}
