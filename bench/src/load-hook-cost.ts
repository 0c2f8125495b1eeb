/**
 * What one `createAgent` middleware hook costs: the load bench's LangChain agent (K turns with one tool
 * call, then an answer; no Restate) run one after another in this process against the scripted model with
 * no latency, with no middleware and with middlewares whose hooks do nothing — each hook is one more graph
 * node per model call (or per run, for `afterAgent`). The forms alternate run by run, so a busy machine
 * slows all of them alike; the figure is this process's CPU time per agent (`process.cpuUsage`).
 *
 *   node src/load-hook-cost.ts [--runs 200] [--k 2] [--name hook-cost]
 *
 * Writes results/load-<name>.json and .md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { startMockModel } from '@restate-agents/testing';
import { type AgentMiddleware, createAgent, createMiddleware } from 'langchain';
import { z } from 'zod';
import { median, round } from './stats.ts';
import {
  benchScript,
  conversationName,
  SYSTEM_PROMPT,
  TOOL_NAME,
  toolResult,
  turnOfQuery,
  USER_PROMPT,
} from './workload.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    k: { type: 'string', default: '2' },
    name: { type: 'string', default: 'hook-cost' },
    out: { type: 'string' },
  },
});
const runs = Number(values.runs);
const k = Number(values.k);

const noop = () => undefined;
// restateMiddleware now registers wrapModelCall and wrapToolCall only: no node of its own, like this base.
const BASE = 'no middleware';
const FORMS: Record<string, () => AgentMiddleware[]> = {
  [BASE]: () => [],
  'afterModel + afterAgent (restateMiddleware until 2026-12-02)': () => [
    createMiddleware({ name: 'Hooks', afterModel: noop, afterAgent: noop }),
  ],
  'beforeModel + afterModel + afterAgent (restateMiddleware until 2026-12-01)': () => [
    createMiddleware({ name: 'Hooks', beforeModel: noop, afterModel: noop, afterAgent: noop }),
  ],
};

const model = await startMockModel({ defaultScript: benchScript });
const lookup = tool(async ({ query }: { query: string }) => toolResult(turnOfQuery(query)), {
  name: TOOL_NAME,
  description: 'Look up a fact in the knowledge base.',
  schema: z.object({ query: z.string() }),
});
let tag = 0;
const runOnce = async (middleware: AgentMiddleware[]) => {
  const conversation = conversationName('short', k, `hooks-${++tag}`);
  const agent = createAgent({
    model: new ChatOpenAI({
      model: conversation,
      apiKey: 'scripted',
      maxRetries: 0,
      configuration: { baseURL: model.openaiBaseUrl },
    }),
    tools: [lookup],
    middleware,
  });
  await agent.invoke(
    { messages: [new SystemMessage(SYSTEM_PROMPT), new HumanMessage(USER_PROMPT)] },
    { recursionLimit: 4 * k + 10 },
  );
};

const names = Object.keys(FORMS);
const cpu: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
try {
  // Warm-up: JIT and the model connection, every form.
  for (let index = 0; index < 20; index++) {
    for (const name of names) await runOnce((FORMS[name] as () => AgentMiddleware[])());
  }
  for (let index = 0; index < runs; index++) {
    for (const name of names) {
      const started = process.cpuUsage();
      await runOnce((FORMS[name] as () => AgentMiddleware[])());
      const used = process.cpuUsage(started);
      cpu[name]?.push((used.user + used.system) / 1000);
    }
  }
} finally {
  await model.close();
}

const base = median(cpu[BASE] ?? []);
const rows = names.map((name) => {
  const ms = median(cpu[name] ?? []);
  return { form: name, cpuMsPerAgent: round(ms, 3), overBaseMs: round(ms - base, 3) };
});
const results = {
  generatedAt: new Date().toISOString(),
  node: process.version,
  runs,
  k,
  loadAverage: round(loadavg()[0] ?? 0, 1),
  rows,
};
const markdown = `Generated ${results.generatedAt}, Node ${process.version}; LangChain \`createAgent\`, K = ${k} (${k + 1} model calls, ${k} tool calls), no Restate, scripted model with no latency; ${runs} runs per form, alternating, median CPU per agent of this one process; 1-minute load average at the end ${results.loadAverage} on 2 cores.

| middleware hooks (doing nothing) | CPU ms per agent | more than no middleware, ms |
|---|---|---|
${rows.map((row) => `| ${row.form} | ${row.cpuMsPerAgent} | ${row.overBaseMs} |`).join('\n')}
`;
const outDir = values.out ?? fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `load-${values.name}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, `load-${values.name}.md`), markdown);
console.log(markdown);
