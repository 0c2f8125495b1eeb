/** How the demo prints: one line per thing that happened, stamped with the time since the start. */
import type { DemoSummary } from './run-demo.ts';

const LABELS: Record<string, string> = {
  invoke: '▶ invoke ',
  model: '◆ model  ',
  tool: '● tool   ',
  effect: '✚ effect ',
  approval: '✋ approve',
  crash: '✖ CRASH  ',
  restart: '↻ restart',
  done: '✔ done   ',
};

export interface Timeline {
  header(text: string): void;
  info(text: string): void;
  step(kind: string, text: string): void;
  summary(summary: Omit<DemoSummary, 'stop'>): void;
}

export function createTimeline(
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Timeline {
  const started = Date.now();
  const stamp = () => `+${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s`;
  return {
    header: (text) => print(`\n${text}\n${'─'.repeat(text.length)}`),
    info: (text) => print(`          ${text}`),
    step: (kind, text) => print(`${stamp()}  ${LABELS[kind] ?? kind.padEnd(9)}  ${text}`),
    summary(summary) {
      const effects = Object.entries(summary.sideEffects)
        .map(([kind, count]) => `${kind} ×${count}`)
        .join(', ');
      const rows: Array<[string, string]> = [
        ['crashed and resumed', summary.crashed ? 'yes (SIGKILL, then restart)' : 'no'],
        [
          'model calls made',
          summary.modelCallsMade === undefined
            ? 'n/a (real provider)'
            : String(summary.modelCallsMade),
        ],
        [
          'model calls replayed from the journal',
          summary.modelCallsReplayed === undefined ? 'n/a' : String(summary.modelCallsReplayed),
        ],
        [
          'completed model calls repeated',
          summary.modelCallsRepeated === undefined ? 'n/a' : String(summary.modelCallsRepeated),
        ],
        ['side effects', effects || 'none'],
        ['side effects repeated', String(summary.sideEffectsRepeated)],
        ['journal', `${summary.journalEntries} entries, ${summary.journalBytes} bytes`],
        ['wall time', `${(summary.durationMs / 1000).toFixed(2)} s`],
      ];
      const width = Math.max(...rows.map(([label]) => label.length));
      print('\nSummary');
      for (const [label, value] of rows) print(`  ${label.padEnd(width)}  ${value}`);
      print(`\n  ${summary.sideEffectsRepeated} side effects repeated.`);
      print(`  Restate UI for this invocation: ${summary.uiUrl}  (pass --keep to browse it)`);
    },
  };
}
