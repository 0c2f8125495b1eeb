/**
 * The chat page: `useChat` from @ai-sdk/react over `RestateChatTransport`. The transport reconnects to the
 * answer's stream log by offset when the connection drops, and `resume: true` replays the running answer
 * after a reload, so neither a crash of the agent nor a reload of the page loses or repeats a word.
 */
import { useChat } from '@ai-sdk/react';
import { RestateChatTransport } from '@restate-agents/ai-sdk/client';
import type { UIMessage } from 'ai';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';

/** One chat per page address: `?chat=<id>` keeps it across reloads (an unguessable id, made here). */
function chatIdFromAddress(): string {
  const url = new URL(window.location.href);
  let id = url.searchParams.get('chat');
  if (!id) {
    id = crypto.randomUUID();
    url.searchParams.set('chat', id);
    window.history.replaceState(null, '', url);
  }
  return id;
}

// The finished messages live in the browser's storage (a real app keeps them in its database); the answer
// still streaming is not stored: after a reload `resume: true` brings it back from the stream log.
const storageKey = (chatId: string): string => `web-chat:${chatId}`;
function loadMessages(chatId: string): UIMessage[] {
  try {
    return JSON.parse(localStorage.getItem(storageKey(chatId)) ?? '[]') as UIMessage[];
  } catch {
    return [];
  }
}

const textOf = (message: UIMessage): string =>
  message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

function Chat({ chatId }: { chatId: string }) {
  const transport = useMemo(() => new RestateChatTransport({ api: '/api/chat' }), []);
  const { messages, sendMessage, status, stop, error } = useChat({
    id: chatId,
    messages: loadMessages(chatId),
    transport,
    resume: true,
  });
  const [input, setInput] = useState('');

  useEffect(() => {
    const streaming = status === 'submitted' || status === 'streaming';
    const last = messages.at(-1);
    const finished = streaming && last?.role === 'assistant' ? messages.slice(0, -1) : messages;
    localStorage.setItem(storageKey(chatId), JSON.stringify(finished));
  }, [chatId, messages, status]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!input.trim()) return;
    void sendMessage({ text: input });
    setInput('');
  };

  return (
    <main data-status={status}>
      <h1>Durable web chat</h1>
      <section id="messages">
        {messages.map((message) => (
          <div key={message.id} className="message" data-role={message.role}>
            {textOf(message)}
          </div>
        ))}
      </section>
      {error && <p role="alert">{error.message}</p>}
      <form onSubmit={submit}>
        <input
          id="prompt"
          value={input}
          placeholder="Ask something"
          onChange={(event) => setInput(event.target.value)}
        />
        {status === 'submitted' || status === 'streaming' ? (
          <button type="button" onClick={() => void stop()}>
            Stop
          </button>
        ) : (
          <button type="submit">Send</button>
        )}
      </form>
    </main>
  );
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<Chat chatId={chatIdFromAddress()} />);
