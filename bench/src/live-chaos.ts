/**
 * Delivery under chaos, streaming: `chats` chats (`concurrency` at a time) each send one message through the
 * chat handlers (`createChatHandlers`, what a web backend mounts) and read the answer live, while the agent's
 * process is SIGKILLed and restarted while answers stream (0–300 ms after some chat shows part of its answer,
 * then 1.5–4 s of peace). Each client folds what it reads exactly as
 * `useChat` does (`readUIMessageStream`: `reset-step` retracts a crashed attempt's text) and checks:
 *
 * - **words shown twice**: every text the message showed on the way must be a prefix of the journaled answer
 *   (the scripted model's, unique per chat); a text from two attempts left concatenated, or the answer
 *   repeated, counts its extra words. Must be 0.
 * - **answers missing**: the final message must equal the journaled answer. Must be 0.
 *
 * `pnpm --filter @restate-agents/bench chaos:live [--chats 30] [--concurrency 6] [--kills 20]`; writes
 * results/live-chaos-latest.json and exits 1 when a word was shown twice or an answer is missing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createChatHandlers } from '@restate-agents/ai-sdk';
import { agentStreamObject } from '@restate-agents/core';
import { startMockModel, startRestate, startServiceProcess } from '@restate-agents/testing';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';

export interface LiveChaosOptions {
  chats: number;
  concurrency: number;
  /** Stop killing after this many kills (the chats still running then finish in peace). */
  kills: number;
  /** Pause between two streamed pieces of each answer. */
  chunkDelayMs: number;
  log?: (line: string) => void;
}

export interface LiveChatOutcome {
  chatId: string;
  ok: boolean;
  wordsShownTwice: number;
  missing: boolean;
  resets: number;
  reconnects: number;
  ms: number;
  final: string;
  error?: string;
}

export interface LiveChaosResult {
  date: string;
  options: Omit<LiveChaosOptions, 'log'>;
  kills: number;
  chats: number;
  wordsShownTwice: number;
  answersMissing: number;
  /** Chats whose answer was retracted at least once (`reset-step`): a kill hit their model step. */
  chatsRetracted: number;
  reconnects: number;
  wallMs: number;
  failures: LiveChatOutcome[];
}

const answerFor = (chatId: string): string =>
  `Answer for ${chatId}: the durable agent streamed these words live, one piece at a time, ` +
  'and a crash in the middle never shows any of them twice.';

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/** Extra words of `shown` beyond the longest prefix of `answer` it starts with (0 when it is a prefix). */
function wordsBeyondPrefix(shown: string, answer: string): number {
  if (answer.startsWith(shown)) return 0;
  let common = 0;
  while (common < shown.length && shown[common] === answer[common]) common++;
  return Math.max(1, words(shown.slice(common)).length);
}

/** Reads a chat handler's SSE answer: chunks plus the last frame offset; `done` when `[DONE]` came. */
async function* sseChunks(
  response: Response,
  progress: { lastId?: number; done: boolean },
): AsyncGenerator<UIMessageChunk> {
  if (!response.ok || !response.body) {
    throw new Error(`chat handler answered HTTP ${response.status}: ${await response.text()}`);
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let id: number | undefined;
      for (const line of event.split('\n')) {
        if (line.startsWith('id:')) id = Number(line.slice(3).trim());
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') {
          progress.done = true;
          return;
        }
        if (id !== undefined) progress.lastId = id;
        yield JSON.parse(data) as UIMessageChunk;
      }
    }
  }
}

export async function runLiveChaos(options: LiveChaosOptions): Promise<LiveChaosResult> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const restate = await startRestate();
  const model = await startMockModel({
    defaultScript: (request) => {
      const asked = request.messages.filter((m) => m.role === 'user').at(-1)?.text ?? '';
      return { text: answerFor(asked), chunkDelayMs: options.chunkDelayMs };
    },
  });
  const agent = await startServiceProcess({
    entry: fileURLToPath(new URL('./live-chaos-service.ts', import.meta.url)),
    env: {
      LIVE_CHAOS_OPENAI_BASE_URL: model.openaiBaseUrl,
      LIVE_CHAOS_INGRESS_URL: restate.ingressUrl,
      RESTATE_LOGGING: 'WARN',
    },
  });
  let kills = 0;
  let running = true;
  try {
    // The log beside the "web backend" (this process): the agent's crashes never stop a reader.
    await restate.register({ services: [agentStreamObject()] });
    await restate.register({ url: agent.url });
    const chat = createChatHandlers({
      ingressUrl: restate.ingressUrl,
      adminUrl: restate.adminUrl,
      agent: { service: 'LiveChaosAgent', handler: 'chat' },
    });

    // Kills aimed at answers mid-stream: once some chat shows part of its answer, SIGKILL within 0–300 ms
    // (so some land inside the model step, some right after it), restart, and let the retries run a while.
    const midStream = new Set<string>();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // A restart that fails to come up (e.g. the machine too busy) is tried again, not fatal to the run.
    const restartAgent = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await agent.restart();
        } catch (error) {
          if (attempt >= 3) throw error;
          log(`restart failed (${(error as Error).message.split('\n')[0]}), again`);
          await sleep(1000);
        }
      }
    };
    const killer = (async () => {
      while (running && kills < options.kills) {
        while (running && midStream.size === 0) await sleep(20);
        if (!running) break;
        await sleep(Math.random() * 300);
        await restartAgent();
        kills += 1;
        log(`kill ${kills}/${options.kills}`);
        await sleep(1500 + Math.random() * 2500);
      }
    })();

    const runChat = async (index: number): Promise<LiveChatOutcome> => {
      const chatId = `chat-${index}-${Math.random().toString(36).slice(2, 8)}`;
      const answer = answerFor(chatId);
      const t0 = Date.now();
      let resets = 0;
      let reconnects = 0;
      let wordsShownTwice = 0;
      let final = '';
      const progress: { lastId?: number; done: boolean } = { done: false };
      try {
        const user: UIMessage = {
          id: `${chatId}-u`,
          role: 'user',
          parts: [{ type: 'text', text: chatId }],
        };
        // One stream of chunks across reconnects by offset, as RestateChatTransport does it.
        async function* chunks(): AsyncGenerator<UIMessageChunk> {
          let response = await chat.POST(
            new Request('http://backend.local/api/chat', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ id: chatId, trigger: 'submit-message', messages: [user] }),
            }),
          );
          for (;;) {
            for await (const chunk of sseChunks(response, progress)) {
              if (chunk.type === 'reset-step') resets += 1;
              yield chunk;
            }
            if (progress.done) return;
            if (++reconnects > 20) throw new Error('the stream dropped 20 times');
            const from = progress.lastId === undefined ? '' : `?offset=${progress.lastId + 1}`;
            response = await chat.GET(
              new Request(`http://backend.local/api/chat/${chatId}/stream${from}`),
            );
          }
        }
        const stream = ReadableStream.from(chunks());
        for await (const message of readUIMessageStream({ stream })) {
          const shown = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
          wordsShownTwice = Math.max(wordsShownTwice, wordsBeyondPrefix(shown, answer));
          final = shown;
          if (shown.length > 0 && shown !== answer) midStream.add(chatId);
          else midStream.delete(chatId);
        }
        midStream.delete(chatId);
        const missing = final !== answer;
        return {
          chatId,
          ok: !missing && wordsShownTwice === 0,
          wordsShownTwice,
          missing,
          resets,
          reconnects,
          ms: Date.now() - t0,
          final,
        };
      } catch (error) {
        midStream.delete(chatId);
        return {
          chatId,
          ok: false,
          wordsShownTwice,
          missing: true,
          resets,
          reconnects,
          ms: Date.now() - t0,
          final,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    };

    const outcomes: LiveChatOutcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.chats) {
          const outcome = await runChat(next++);
          outcomes.push(outcome);
          log(
            `${outcome.chatId}: ${outcome.ok ? 'ok' : 'FAILED'} in ${outcome.ms} ms, ${outcome.resets} reset-step${outcome.error ? `, ${outcome.error}` : ''}`,
          );
        }
      }),
    );
    running = false;
    await killer;
    return {
      date: new Date().toISOString(),
      options: {
        chats: options.chats,
        concurrency: options.concurrency,
        kills: options.kills,
        chunkDelayMs: options.chunkDelayMs,
      },
      kills,
      chats: outcomes.length,
      wordsShownTwice: outcomes.reduce((sum, o) => sum + o.wordsShownTwice, 0),
      answersMissing: outcomes.filter((o) => o.missing).length,
      chatsRetracted: outcomes.filter((o) => o.resets > 0).length,
      reconnects: outcomes.reduce((sum, o) => sum + o.reconnects, 0),
      wallMs: Date.now() - started,
      failures: outcomes.filter((o) => !o.ok),
    };
  } finally {
    running = false;
    await agent.stop();
    await model.close();
    await restate.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      chats: { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '6' },
      kills: { type: 'string', default: '20' },
      'chunk-delay-ms': { type: 'string', default: '60' },
    },
  });
  const result = await runLiveChaos({
    chats: Number(values.chats),
    concurrency: Number(values.concurrency),
    kills: Number(values.kills),
    chunkDelayMs: Number(values['chunk-delay-ms']),
    log: (line) => console.error(`[live-chaos] ${line}`),
  });
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'live-chaos-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    [
      '| chats | kills | chats retracted (reset-step) | reconnects | words shown twice | answers missing | wall |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      `| ${result.chats} | ${result.kills} | ${result.chatsRetracted} | ${result.reconnects} | **${result.wordsShownTwice}** | **${result.answersMissing}** | ${(result.wallMs / 1000).toFixed(1)} s |`,
    ].join('\n'),
  );
  for (const failure of result.failures) console.log(JSON.stringify(failure));
  process.exitCode = result.wordsShownTwice === 0 && result.answersMissing === 0 ? 0 : 1;
}
