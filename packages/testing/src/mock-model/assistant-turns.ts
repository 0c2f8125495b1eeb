import type { NormalisedMessage } from './types.js';

/**
 * Counts the assistant turns in a history: each run of consecutive assistant messages is one turn,
 * because some clients send one turn as several items (a Responses `message` followed by its
 * `function_call`s, or text and tool calls split into separate chat messages).
 */
export function countAssistantTurns(messages: readonly NormalisedMessage[]): number {
  let turns = 0;
  let previousRole: NormalisedMessage['role'] | undefined;
  for (const message of messages) {
    if (message.role === 'assistant' && previousRole !== 'assistant') {
      turns += 1;
    }
    previousRole = message.role;
  }
  return turns;
}
