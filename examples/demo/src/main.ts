/**
 * `pnpm demo [--sdk openai|anthropic|ai-sdk|openai-agents|langchain|langgraph] [--keep]`: see run-demo.ts.
 * OPENAI_API_KEY switches the OpenAI-based demos to a real model; `anthropic` always runs on the scripted one.
 */
import { parseArgs } from 'node:util';
import { DEMO_SERVICES, runDemo } from './run-demo.ts';

const { values } = parseArgs({
  options: {
    sdk: { type: 'string', default: 'openai' },
    keep: { type: 'boolean', default: false },
  },
});
const controller = new AbortController();
process.once('SIGINT', () => {
  process.stdout.write('\nStopping (Ctrl-C)…\n');
  controller.abort();
  setTimeout(() => process.exit(130), 2000).unref();
});

try {
  const summary = await runDemo({
    sdk: values.sdk ?? 'openai',
    keep: values.keep,
    signal: controller.signal,
    ...(process.env.OPENAI_API_KEY &&
      values.sdk !== 'anthropic' && { openaiApiKey: process.env.OPENAI_API_KEY }),
  });
  if (values.keep) {
    process.stdout.write('\nrestate-server keeps running; Ctrl-C to stop.\n');
    controller.signal.addEventListener(
      'abort',
      () => void summary.stop().then(() => process.exit(0)),
    );
  }
  process.exitCode =
    summary.sideEffectsRepeated === 0 && (summary.modelCallsRepeated ?? 0) === 0 ? 0 : 1;
} catch (error) {
  if (!controller.signal.aborted) {
    process.stderr.write(
      `\nThe demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.stderr.write(`Demos available: ${Object.keys(DEMO_SERVICES).join(', ')}\n`);
  }
  process.exitCode = 1;
}
