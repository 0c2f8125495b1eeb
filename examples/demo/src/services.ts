/**
 * The SDKs with a demo service, and where each lives (relative to this file). Kept apart from run-demo.ts,
 * which loads the built workspace packages: main.ts reads it to build the chosen example's dependencies first.
 */
export const DEMO_SERVICES: Readonly<Record<string, string>> = {
  openai: '../../plain-openai/src/service.ts',
  anthropic: '../../plain-anthropic/src/service.ts',
  'ai-sdk': '../../ai-sdk/src/service.ts',
  'openai-agents': '../../openai-agents/src/service.ts',
  langchain: '../../langchain/src/service.ts',
  langgraph: '../../langgraph/src/service.ts',
  mastra: '../../mastra/src/service.ts',
  'google-adk': '../../google-adk/src/service.ts',
};
