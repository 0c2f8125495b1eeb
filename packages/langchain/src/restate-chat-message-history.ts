/**
 * Chat history on Virtual Object state (R10): LangChain's `BaseListChatMessageHistory` backed by core's
 * chunked `listStore`, keyed by the object key (the session or thread id). Messages are stored in
 * LangChain's own stored-message form, so every message class and its tool calls come back as they went in.
 */

import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import {
  type BaseMessage,
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type StoredMessage,
} from '@langchain/core/messages';
import { idSource, type ListStore, listStore } from '@restate-agents/core';
import type { ObjectContext, ObjectSharedContext } from '@restatedev/restate-sdk';

/** Options of {@link RestateChatMessageHistory}. */
export interface RestateChatMessageHistoryOptions {
  /** State name prefix; default `'langchain:messages'` (keys `<name>:meta`, `<name>:<chunk>`). */
  name?: string;
  /** Messages per state key; fixed for the life of a history. Default core's `DEFAULT_CHUNK_SIZE`. */
  chunkSize?: number;
}

/**
 * A chat message history in the current Virtual Object's state. Writes need an exclusive handler.
 *
 * Messages without an id get one from the invocation's replay-stable id source (core's `idSource`) before they are
 * stored: state writes are compared on replay, so a random id would fail the replay with a journal mismatch.
 *
 * @example
 * const history = new RestateChatMessageHistory(ctx);
 * await history.addMessage(new HumanMessage(prompt));
 * const { messages } = await agent.invoke({ messages: await history.getMessages() });
 */
export class RestateChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace: string[] = ['restate_agents', 'langchain', 'chat_history'];
  readonly #ctx: ObjectContext | ObjectSharedContext;
  readonly #store: ListStore<StoredMessage>;

  constructor(
    ctx: ObjectContext | ObjectSharedContext,
    options: RestateChatMessageHistoryOptions = {},
  ) {
    super();
    this.#ctx = ctx;
    this.#store = listStore<StoredMessage>(ctx, options.name ?? 'langchain:messages', {
      ...(options.chunkSize !== undefined && { chunkSize: options.chunkSize }),
    });
  }

  /** All messages, oldest first, or the last `limit`. */
  override async getMessages(limit?: number): Promise<BaseMessage[]> {
    return mapStoredMessagesToChatMessages(await this.#store.read(limit));
  }

  override async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  /** Appends in one state write per touched chunk. */
  override async addMessages(messages: BaseMessage[]): Promise<void> {
    for (const message of messages) {
      if (message.id === undefined) {
        message.id = `msg-${idSource(this.#ctx).uuid('langchain:history')}`;
        message.lc_kwargs.id = message.id;
      }
    }
    await this.#store.append(...mapChatMessagesToStoredMessages(messages));
  }

  override async clear(): Promise<void> {
    await this.#store.clear();
  }
}
