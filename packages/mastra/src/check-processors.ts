/**
 * Processors and memory features whose work the adapter cannot journal, refused before the run starts
 * (an option silently ignored would be a bug):
 *
 * - A processor that calls a model or an embedder (Mastra's `ModerationProcessor`, `PIIDetector`,
 *   `PromptInjectionDetector`, `LanguageDetector`, `StructuredOutputProcessor`, … hold an internal `Agent`):
 *   that agent's `generate()` runs outside `durableAgent` — Mastra's own retries around the step, and the
 *   processor's `errorStrategy` swallows a `TerminalError` or a cancellation, so the run would go on.
 * - A processor workflow (a `createWorkflow` given as a processor) runs on Mastra's workflow engine.
 * - Semantic recall (`semanticRecall`: an embedder call and a vector query per turn, an embedding per saved
 *   message) and observational memory (`observationalMemory`: observer and reflector model calls on
 *   Mastra's own schedule): neither the embeddings, the vector store nor those model calls are journaled.
 *
 * A processor that only transforms messages or chunks (`RegexFilterProcessor`, `UnicodeNormalizer`,
 * `TokenLimiterProcessor`, a custom `processInput` without I/O) is handler code: it runs again on every
 * replay over the same journaled inputs and gives the same result.
 */
import { invalidOption } from '@restate-agents/core';

/** Memory processors Mastra adds itself, by id, when they are given as processors explicitly. */
const MEMORY_PROCESSORS: Record<string, string> = {
  'semantic-recall': 'semanticRecall',
  'observational-memory': 'observationalMemory',
};

/** Throws when one of `processors` (an agent's or a call's) cannot be journaled; `where` names its place. */
export function checkProcessors(where: string, processors: unknown): void {
  if (!Array.isArray(processors)) return;
  for (const processor of processors as Record<string, unknown>[]) {
    if (processor === null || typeof processor !== 'object') continue;
    const id = typeof processor.id === 'string' ? processor.id : 'a processor';
    const memoryOption = MEMORY_PROCESSORS[id];
    if (memoryOption !== undefined) throw invalidOption(memoryRefusal(where, memoryOption));
    if (isProcessorWorkflow(processor)) {
      throw invalidOption(
        `${where} has the processor workflow ${id}, which runs on Mastra's workflow engine, outside the ` +
          'journal. Give the processors themselves (processInput, processOutputResult, …) instead of a workflow.',
      );
    }
    const calls = modelHeldBy(processor);
    if (calls !== undefined) {
      throw invalidOption(
        `${where} has the processor ${id}, which calls ${calls} outside durableAgent: Mastra retries it inside ` +
          'the step and the processor swallows a TerminalError or a cancellation (its errorStrategy), so its ' +
          'calls are not proven durable. Remove it from durable runs; moderate in a tool or a durableStep of ' +
          'your own, or keep only processors that transform messages without I/O (RegexFilterProcessor, ' +
          'UnicodeNormalizer, TokenLimiterProcessor, your own processInput).',
      );
    }
  }
}

/** Throws when the merged memory config of a run turns on semantic recall or observational memory. */
export function checkMemoryConfig(where: string, config: unknown): void {
  if (config === null || typeof config !== 'object') return;
  const { semanticRecall, observationalMemory } = config as Record<string, unknown>;
  if (isEnabled(semanticRecall)) throw invalidOption(memoryRefusal(where, 'semanticRecall'));
  if (isEnabled(observationalMemory)) {
    throw invalidOption(memoryRefusal(where, 'observationalMemory'));
  }
}

function memoryRefusal(where: string, option: string): string {
  const what =
    option === 'semanticRecall'
      ? 'embeds every message and queries the vector store on each turn'
      : 'makes observer and reflector model calls on its own schedule';
  return (
    `${where} has memory ${option}, which ${what}: neither is journaled, so a replay would call the ` +
    `embedder or the model again and could recall different messages. Turn ${option} off for durable runs ` +
    '(lastMessages and RestateMemoryStorage keep the thread), or search your vector store in a durable tool.'
  );
}

/** Mastra's own check (`isObservationalMemoryEnabled`): `true`, or an object not `enabled: false`. */
function isEnabled(value: unknown): boolean {
  if (value === true) return true;
  if (value === null || typeof value !== 'object') return false;
  return (value as { enabled?: unknown }).enabled !== false;
}

/** Mastra's `isProcessorWorkflow`: a workflow has a schema pair and `execute`, and no processor method. */
function isProcessorWorkflow(value: Record<string, unknown>): boolean {
  return (
    'inputSchema' in value &&
    'outputSchema' in value &&
    typeof value.execute === 'function' &&
    !PROCESSOR_METHODS.some((method) => method in value)
  );
}

const PROCESSOR_METHODS = [
  'processInput',
  'processInputStep',
  'processOutputStream',
  'processOutputResult',
  'processOutputStep',
  'processToolResult',
  'processLLMRequest',
  'processAPIError',
];

/**
 * What model-calling thing the processor holds in one of its fields, if any: an `Agent` (Mastra's
 * model-based processors build one from their `model` option), a language model, an embedder or a vector
 * store.
 */
function modelHeldBy(processor: Record<string, unknown>): string | undefined {
  for (const [field, value] of Object.entries(processor)) {
    if (value === null || typeof value !== 'object') continue;
    const held = value as Record<string, unknown>;
    if (typeof held.generate === 'function' && typeof held.getModel === 'function') {
      return `a model through its agent (${field})`;
    }
    if (typeof held.doEmbed === 'function') return `an embedding model (${field})`;
    if (typeof held.doGenerate === 'function' || typeof held.doStream === 'function') {
      return `a model (${field})`;
    }
    if (typeof held.query === 'function' && typeof held.upsert === 'function') {
      return `a vector store (${field})`;
    }
  }
  return undefined;
}
