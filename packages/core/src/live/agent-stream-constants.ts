/** The default name of the stream log object (`agentStreamObject`). */
export const AGENT_STREAM_OBJECT = 'AgentStream';
