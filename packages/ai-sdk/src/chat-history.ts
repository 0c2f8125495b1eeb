/**
 * Chat history (R10): a chat agent's `ModelMessage`s in Virtual Object state, keyed by the object key
 * (the chat id), stored in chunks with the journal serde, so `Date`s, file bytes and `URL`s in messages come
 * back as they went in and an append rewrites only the last chunk.
 */
import { type ListStore, listStore } from '@restate-agents/core';
import type { ObjectContext, ObjectSharedContext } from '@restatedev/restate-sdk';
import type { ModelMessage } from 'ai';

/** Options of {@link chatHistory}. */
export interface ChatHistoryOptions {
  /** The state key prefix (default `'messages'`); two histories in one object need two names. */
  name?: string;
  /** Messages per state key (default core's chunk size). Fixed for the life of a history. */
  chunkSize?: number;
}

/**
 * The message history of the current chat (the Virtual Object's key). Read it in a shared handler too;
 * append in the exclusive handler that runs the agent.
 *
 * @example
 * const history = chatHistory(ctx);
 * await history.append({ role: 'user', content: input });
 * const result = await generateText(withRestate(ctx, { model, messages: await history.read() }));
 * await history.append(...result.response.messages);
 */
export function chatHistory(
  ctx: ObjectContext | ObjectSharedContext,
  options: ChatHistoryOptions = {},
): ListStore<ModelMessage> {
  return listStore<ModelMessage>(ctx, options.name ?? 'messages', {
    ...(options.chunkSize !== undefined && { chunkSize: options.chunkSize }),
  });
}
