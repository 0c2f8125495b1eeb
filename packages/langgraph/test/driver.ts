import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

/**
 * A LangGraph StateGraph (agent → `Send` fan-out to a prebuilt ToolNode, plus a parallel branch) run by
 * `durableGraph`, with `durableChatModel` from @restate-agents/langchain in the agent node.
 */
export const langGraphDriver: ConformanceDriver = {
  name: 'langgraph (durableGraph)',
  serviceEntry: fileURLToPath(new URL('./conformance-service.ts', import.meta.url)),
};
