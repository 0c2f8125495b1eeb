/** What the web backend and the agent process share: names, environment and the scripted answer. */

/** The agent: a Virtual Object keyed by chat id, so the turns of one chat run one at a time. */
export const CHAT_AGENT = 'ChatAgent';
export const CHAT_HANDLER = 'chat';
/** Shared handler: the chat's UI messages so far. */
export const MESSAGES_HANDLER = 'messages';

/** Environment of the agent process. */
export const AGENT_ENV = {
  /** OpenAI-compatible base URL: the scripted model, or https://api.openai.com/v1. */
  openaiBaseUrl: 'WEB_CHAT_OPENAI_BASE_URL',
  openaiApiKey: 'WEB_CHAT_OPENAI_API_KEY',
  model: 'WEB_CHAT_MODEL',
  /** Restate's ingress: the model step sends its tokens to the stream log through it. */
  ingressUrl: 'WEB_CHAT_RESTATE_INGRESS',
} as const;

/**
 * What the scripted model answers (when no OPENAI_API_KEY is set), streamed in 16 pieces. Every word is
 * different, so a word shown twice after a crash would be visible at once.
 */
export const SCRIPTED_ANSWER =
  'Every token you read here streamed live from a durable model step on Restate: kill the agent ' +
  'halfway and this sentence still arrives once, complete, without a single repeated word.';

export const SYSTEM_PROMPT = 'You are a helpful assistant. Answer in two or three sentences.';
