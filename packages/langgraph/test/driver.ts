import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

/**
 * A LangGraph StateGraph (agent → a prebuilt ToolNode running the message's tool calls in model order, plus
 * a parallel branch; invalid calls as `Send`s) run by
 * `durableGraph`, with `durableChatModel` from @restate-agents/langchain in the agent node.
 */
export const langGraphDriver: ConformanceDriver = {
  name: 'langgraph (durableGraph)',
  serviceEntry: fileURLToPath(new URL('./conformance-service.ts', import.meta.url)),
};
