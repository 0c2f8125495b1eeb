/**
 * A model step's stream parts in the client's form, for the live preview: text and reasoning only, shaped
 * exactly as the AI SDK's own `toUIMessageStream` shapes them, so a sealed preview equals the authoritative
 * chunks it stands for.
 */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { StreamChunk } from '@restate-agents/core';

/** The UI-message-stream chunk a preview shows for `part`, or `undefined` for parts it leaves out. */
export function previewChunk(part: LanguageModelV4StreamPart): StreamChunk | undefined {
  switch (part.type) {
    case 'text-start':
    case 'text-end':
    case 'reasoning-start':
    case 'reasoning-end':
      return {
        type: part.type,
        id: part.id,
        ...(part.providerMetadata != null && { providerMetadata: part.providerMetadata }),
      };
    case 'text-delta':
    case 'reasoning-delta':
      return {
        type: part.type,
        id: part.id,
        delta: part.delta,
        ...(part.providerMetadata != null && { providerMetadata: part.providerMetadata }),
      };
    default:
      return undefined;
  }
}
