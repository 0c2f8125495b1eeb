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

const textOf = (message: UIMessage): string =>
  message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

function Chat({ chatId, initial }: { chatId: string; initial: UIMessage[] }) {
  const transport = useMemo(() => new RestateChatTransport({ api: '/api/chat' }), []);
  const { messages, sendMessage, status, stop, error } = useChat({
    id: chatId,
    messages: initial,
    transport,
    resume: true,
  });
  const [input, setInput] = useState('');

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

/**
 * Loads the chat so far (kept in the agent's state: the user's message from the moment it was sent, the answer
 * once it is complete), then mounts the chat; an answer still streaming comes back through `resume: true`.
 */
function App({ chatId }: { chatId: string }) {
  const [initial, setInitial] = useState<UIMessage[]>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    fetch(`/api/chat/${encodeURIComponent(chatId)}/messages`)
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
        setInitial((await response.json()) as UIMessage[]);
      })
      .catch((error: unknown) => setFailed(`Loading the chat failed: ${String(error)}`));
  }, [chatId]);
  if (failed) return <p role="alert">{failed}</p>;
  if (!initial) return <main data-status="loading">Loading…</main>;
  return <Chat chatId={chatId} initial={initial} />;
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<App chatId={chatIdFromAddress()} />);
