/**
 * `@restate-agents/ai-sdk/client`: what runs in the browser. Imports nothing server-side (no Restate SDK),
 * so a web bundle stays small; the server half is in `@restate-agents/ai-sdk`.
 */
export type { RestateChatTransportOptions } from './restate-chat-transport.js';
export { RestateChatTransport } from './restate-chat-transport.js';
export type { SseFrame } from './sse-frames.js';
export { readSseFrames } from './sse-frames.js';
