/** The configurations `pnpm bench` compares, shared by the driver and the service process. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The input of every benchmark handler and floor. */
export interface BenchInput {
  conversation: string;
  /** Tag of a traced run (replay measurement); its timings go to BENCH_TRACE_FILE. */
  trace?: string;
  /** Pass the `bench:last-tool` crash point in the last tool (the driver arms it). */
  crash?: boolean;
}

export const LAST_TOOL_CRASH_POINT = 'bench:last-tool';

/** The no-Restate loops (one per SDK), served over plain HTTP by the bench's service process. */
export type FloorId = 'ai-sdk' | 'openai' | 'langchain' | 'langgraph';

export interface BenchConfig {
  id: string;
  label: string;
  /** The no-Restate loop with the same SDK; undefined for the raw Restate floor itself. */
  floor: FloorId | undefined;
  /** Adapter package slug that must be built for this configuration to run. */
  adapter?: string;
}

export const ALL_CONFIGS: readonly BenchConfig[] = [
  { id: 'raw', label: 'raw Restate: ctx.run steps, same payloads', floor: undefined },
  {
    id: 'official',
    label: '@restatedev/vercel-ai-middleware 0.4.0 (durableCalls)',
    floor: 'ai-sdk',
  },
  {
    id: 'ai-sdk',
    label: '@restate-agents/ai-sdk (withRestate + durableTools)',
    floor: 'ai-sdk',
    adapter: 'ai-sdk',
  },
  { id: 'core', label: '@restate-agents/core (openai loop on durableStep)', floor: 'openai' },
  // The honest floor of each adapter: the same SDK loop with one ctx.run around each model call and each
  // tool body, written by hand (loops/hand-wired.ts). Each adapter is held to ≤ 1.10× its wall time.
  {
    id: 'hand-ai-sdk',
    label: 'hand-wired ctx.run: AI SDK generateText',
    floor: 'ai-sdk',
  },
  { id: 'hand-openai', label: 'hand-wired ctx.run: openai chat loop', floor: 'openai' },
  // The LangChain agents are the load bench's (load-agents.ts): createAgent, and a StateGraph with a
  // ToolNode, each in three forms making the same calls.
  {
    id: 'langchain',
    label: '@restate-agents/langchain (createAgent + restateMiddleware + durableTool)',
    floor: 'langchain',
    adapter: 'langchain',
  },
  {
    id: 'hand-langchain',
    label: 'hand-wired ctx.run: LangChain createAgent',
    floor: 'langchain',
    adapter: 'langchain',
  },
  {
    id: 'langgraph',
    label: '@restate-agents/langgraph (durableGraph + durableChatModel)',
    floor: 'langgraph',
    adapter: 'langgraph',
  },
  {
    id: 'hand-langgraph',
    label: 'hand-wired ctx.run: LangGraph StateGraph + ToolNode',
    floor: 'langgraph',
    adapter: 'langgraph',
  },
];

/** The hand-wired `ctx.run` loop each adapter configuration is compared with. */
export const HAND_WIRED: Record<string, string> = {
  'ai-sdk': 'hand-ai-sdk',
  core: 'hand-openai',
  langchain: 'hand-langchain',
  langgraph: 'hand-langgraph',
};

export const FLOOR_LABELS: Record<FloorId, string> = {
  'ai-sdk': 'no Restate: AI SDK generateText',
  openai: 'no Restate: openai chat loop',
  langchain: 'no Restate: LangChain createAgent',
  langgraph: 'no Restate: LangGraph StateGraph + ToolNode',
};

/** Restate service name of a configuration. */
export function serviceName(config: string): string {
  return `Bench_${config.replaceAll('-', '_')}`;
}

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

/** Adapters are being written alongside: one is benchmarked once its `dist/index.js` is built. */
export function isAdapterBuilt(slug: string): boolean {
  return existsSync(`${packagesDir}${slug}/dist/index.js`);
}

export function availableConfigs(): BenchConfig[] {
  return ALL_CONFIGS.filter(
    (config) => config.adapter === undefined || isAdapterBuilt(config.adapter),
  );
}
