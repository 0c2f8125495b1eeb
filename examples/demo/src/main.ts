/**
 * `pnpm demo [--sdk openai|anthropic|ai-sdk|openai-agents|langchain|langgraph|mastra|google-adk] [--keep]`: see run-demo.ts.
 * `pnpm demo --sdk web-chat`: the live-streaming web chat (examples/web-chat); prints the page's URL.
 * OPENAI_API_KEY switches the OpenAI-based demos to a real model; `anthropic` always runs on the scripted one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_SERVICES } from './services.ts';

const { values } = parseArgs({
  options: {
    sdk: { type: 'string', default: 'openai' },
    keep: { type: 'boolean', default: false },
  },
});

// The web chat is a page, not a timeline: examples/web-chat builds what it loads, starts everything and prints
// the page's URL.
if (values.sdk === 'web-chat') {
  const webChat = fileURLToPath(new URL('../../web-chat/', import.meta.url));
  const build = [
    fileURLToPath(new URL('../../../scripts/build-workspace-deps.mjs', import.meta.url)),
    webChat,
  ];
  const run = [join(webChat, 'src/main.ts')];
  // Ctrl-C reaches the child too, which stops its servers; this process waits for it.
  process.on('SIGINT', () => undefined);
  for (const args of [build, run]) {
    const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}

// A fresh clone has nothing built: build (turbo, cached) what the chosen example needs before run-demo.ts
// loads @restate-agents/testing's dist. An unknown --sdk builds the demo's own dependencies, then runDemo
// names the demos there are.
const service = DEMO_SERVICES[values.sdk ?? 'openai'];
const packageDir = fileURLToPath(new URL('..', new URL(service ?? '.', import.meta.url)));
const build = spawnSync(
  process.execPath,
  [
    fileURLToPath(new URL('../../../scripts/build-workspace-deps.mjs', import.meta.url)),
    packageDir,
  ],
  { stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const { runDemo } = await import('./run-demo.ts');
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
