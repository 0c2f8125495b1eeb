/**
 * `graphUIMessageStream` on LangGraph's own `graph.stream(input, { streamMode: ['messages', 'updates'] })` (no
 * Restate: the mapper is for any LangGraph stream): the standard ReAct graph on a `ChatOpenAI` streaming from the
 * scripted model server over HTTP, two tool calls in one message. Folded by the AI SDK's `readUIMessageStream`,
 * it gives one step per model call with its text, and each tool call with its result.
 */
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { useMockModel } from '@restate-agents/testing/vitest';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { graphUIMessageStream } from '../src/index.js';

const mock = useMockModel();

it('live native mapper: LangGraph’s own messages/updates stream of a ReAct graph folds to the answers and both tool results', async () => {
  mock.conversation('lg-native-mapper', [
    {
      text: 'Looking both up.',
      toolCalls: [
        { name: 'lookup', arguments: { text: 'o7' } },
        { name: 'lookup', arguments: { text: 'k9' } },
      ],
    },
    { text: 'Both were found.' },
  ]);
  const lookup = tool(async ({ text }) => `found ${text}`, {
    name: 'lookup',
    description: 'Looks something up',
    schema: z.object({ text: z.string() }),
  });
  const model = new ChatOpenAI({
    model: 'lg-native-mapper',
    apiKey: 'scripted',
    streaming: true,
    configuration: { baseURL: mock.openaiBaseUrl },
  }).bindTools([lookup]);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode('tools', new ToolNode([lookup]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
  const events = await graph.stream(
    { messages: [new HumanMessage('look up o7 and k9')] },
    { streamMode: ['messages', 'updates'] },
  );
  const stream = graphUIMessageStream<UIMessageChunk>(events as AsyncIterable<[string, unknown]>);
  let message: UIMessage | undefined;
  for await (const state of readUIMessageStream({ stream, terminateOnError: true }))
    message = state;
  expect(message?.parts.map((part) => part.type)).toEqual([
    'step-start',
    'text',
    'tool-lookup',
    'tool-lookup',
    'step-start',
    'text',
  ]);
  expect(message?.parts.filter((part) => part.type === 'text')).toMatchObject([
    { text: 'Looking both up.', state: 'done' },
    { text: 'Both were found.', state: 'done' },
  ]);
  expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toMatchObject([
    { state: 'output-available', input: { text: 'o7' }, output: 'found o7' },
    { state: 'output-available', input: { text: 'k9' }, output: 'found k9' },
  ]);
});
