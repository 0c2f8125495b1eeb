/**
 * `pnpm start` (or `pnpm demo --sdk web-chat` from the repo root): starts restate-server, the scripted model
 * (a real OpenAI model when OPENAI_API_KEY is set), the agent in a child process and the web backend, then
 * prints the page's URL. Ctrl-C stops everything.
 */
// The stream log runs in this process: one INFO line per append and read would bury the URL. Set before the
// Restate SDK loads (it reads the level once).
process.env.RESTATE_LOGGING ??= 'ERROR';
const { startWebChat } = await import('./web-chat.ts');

const controller = new AbortController();
const chat = await startWebChat({
  ...(process.env.PORT && { port: Number(process.env.PORT) }),
  ...(process.env.OPENAI_API_KEY && { openaiApiKey: process.env.OPENAI_API_KEY }),
});
process.stdout.write(
  [
    '',
    `  Web chat:    ${chat.url}`,
    `  Restate UI:  ${chat.restate.adminUrl}/ui`,
    chat.model
      ? '  Model:       the scripted model, slowed down so you can watch it stream (set OPENAI_API_KEY for a real one)'
      : `  Model:       OpenAI ${chat.modelName}`,
    '',
    '  Send a message; while the answer streams, reload the page (it resumes where it was) or press k',
    '  here to SIGKILL the agent (Restate retries the model step; the page shows the answer once).',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

const stop = async () => {
  if (controller.signal.aborted) return;
  controller.abort();
  process.stdout.write('\nStopping…\n');
  await chat.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

if (process.stdin.isTTY) {
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.on('data', (key: Buffer) => {
    const pressed = key.toString();
    if (pressed === '\u0003') void stop();
    if (pressed === 'k') {
      process.stdout.write('  SIGKILL → agent; restarting it…\n');
      void chat.agent.restart().then(() => process.stdout.write('  agent back up\n'));
    }
  });
}
