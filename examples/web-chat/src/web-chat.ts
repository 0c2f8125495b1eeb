import { fileURLToPath } from 'node:url';
import {
  type MockModelServer,
  type RestateEnvironment,
  type ServiceProcess,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import { buildPage } from './build-page.ts';
import { chatRoutes, streamLogServices } from './chat-backend.ts';
import { AGENT_ENV, SCRIPTED_ANSWER } from './contract.ts';
import { startWebServer } from './http-server.ts';

/** Options of {@link startWebChat}. */
export interface WebChatOptions {
  /** Port of the page and its API; default a free one. */
  port?: number;
  /** A real OpenAI key: the agent talks to OpenAI instead of the scripted model. */
  openaiApiKey?: string;
  /** Scripted model only: the pause between two streamed pieces of the answer (default 150 ms). */
  chunkDelayMs?: number;
}

/** The running example. */
export interface WebChat {
  /** The page. */
  url: string;
  restate: RestateEnvironment;
  /** The agent's process: `restart()` SIGKILLs it and starts it again. */
  agent: ServiceProcess;
  /** The scripted model, unless a real key was given. */
  model: MockModelServer | undefined;
  modelName: string;
  /** What the scripted model answers every message with. */
  answer: string;
  /** Scripted model only: changes the pause between two streamed pieces from the next answer on. */
  setChunkDelayMs(ms: number): void;
  stop(): Promise<void>;
}

/**
 * Starts the whole example: restate-server (from npm, on free ports), the scripted model, the agent in a
 * child process (so it can be SIGKILLed), the stream log registered from this process (beside the web
 * backend, so an agent crash never stops a reader), and the web server with the page and the chat API.
 */
export async function startWebChat(options: WebChatOptions = {}): Promise<WebChat> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const next of stops.splice(0).reverse()) await next().catch(() => undefined);
  };
  try {
    const [pageDir, restate] = await Promise.all([buildPage(), startRestate()]);
    stops.push(() => restate.stop());
    let model: MockModelServer | undefined;
    let chunkDelayMs = options.chunkDelayMs ?? 150;
    if (!options.openaiApiKey) {
      model = await startMockModel({
        defaultScript: () => ({ text: SCRIPTED_ANSWER, chunkDelayMs }),
      });
      stops.push(() => (model as MockModelServer).close());
    }
    const modelName = options.openaiApiKey ? 'gpt-4o-mini' : 'web-chat';
    const agent = await startServiceProcess({
      entry: fileURLToPath(new URL('./agent.ts', import.meta.url)),
      env: {
        [AGENT_ENV.openaiBaseUrl]: model?.openaiBaseUrl ?? 'https://api.openai.com/v1',
        [AGENT_ENV.openaiApiKey]: options.openaiApiKey ?? 'scripted',
        [AGENT_ENV.model]: modelName,
        [AGENT_ENV.ingressUrl]: restate.ingressUrl,
      },
    });
    stops.push(() => agent.stop());
    await restate.register({ services: streamLogServices() });
    await restate.register({ url: agent.url });
    const server = await startWebServer({
      pageDir,
      routes: chatRoutes(restate),
      ...(options.port !== undefined && { port: options.port }),
    });
    stops.push(() => server.close());
    return {
      url: server.url,
      restate,
      agent,
      model,
      modelName,
      answer: SCRIPTED_ANSWER,
      setChunkDelayMs: (ms) => {
        chunkDelayMs = ms;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
