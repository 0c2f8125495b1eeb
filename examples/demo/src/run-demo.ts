/**
 * The demo: start the embedded defaults (restate-server from npm, the scripted model), register one SDK's
 * support agent as a child process, invoke it, let a "human" approve the refund, SIGKILL the service right
 * after the refund is journaled, restart it, and show the agent finishing with nothing repeated.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type MockModelServer,
  type MockReply,
  type MockRequest,
  type RestateEnvironment,
  type ServiceProcess,
  startLedger,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import { DEMO_CRASH_POINT, DEMO_ENV, DEMO_HANDLER, DEMO_OBJECT, DEMO_ORDER } from './contract.ts';
import { DEMO_SERVICES } from './services.ts';
import { createTimeline, type Timeline } from './timeline.ts';

export { DEMO_SERVICES } from './services.ts';

export interface RunDemoOptions {
  /** Which SDK's agent to run (a key of {@link DEMO_SERVICES}). */
  sdk: string;
  /** Where the timeline goes; default stdout. */
  print?: (line: string) => void;
  /** A real OpenAI key: use the real model instead of the scripted one. */
  openaiApiKey?: string;
  /** How long the "human" takes to approve the refund. */
  approveAfterMs?: number;
  /** Keep restate-server running after the agent finished (for the UI link) until `stop` is called. */
  keep?: boolean;
  /** Aborts the demo (Ctrl-C): everything started is stopped. */
  signal?: AbortSignal;
}

export interface DemoSummary {
  invocationId: string;
  answer: string;
  crashed: boolean;
  /** Model requests the provider served (scripted model only). */
  modelCallsMade?: number;
  /** Completed model calls requested again after the restart: must be 0. */
  modelCallsRepeated?: number;
  /** Completed model calls taken from the journal after the restart. */
  modelCallsReplayed?: number;
  sideEffects: Record<string, number>;
  /** Side effects that happened more than once: must be 0. */
  sideEffectsRepeated: number;
  journalEntries: number;
  journalBytes: number;
  uiUrl: string;
  durationMs: number;
  /** Stops what `keep` left running. */
  stop(): Promise<void>;
}

const SCRIPT = (request: MockRequest): MockReply => {
  switch (request.turnIndex) {
    case 0:
      return {
        text: 'Let me look that order up.',
        toolCalls: [{ name: 'lookup_order', arguments: { orderId: DEMO_ORDER.orderId } }],
      };
    case 1:
      return {
        toolCalls: [
          {
            name: 'issue_refund',
            arguments: { orderId: DEMO_ORDER.orderId, amount: DEMO_ORDER.total },
          },
        ],
      };
    case 2:
      return {
        toolCalls: [
          { name: 'send_email', arguments: { to: DEMO_ORDER.customer, subject: 'Your refund' } },
        ],
      };
    default:
      return {
        text: `Refunded €${DEMO_ORDER.total} for order ${DEMO_ORDER.orderId} and emailed ${DEMO_ORDER.customer}.`,
      };
  }
};

/** Runs the demo for one SDK and returns what happened. */
export async function runDemo(options: RunDemoOptions): Promise<DemoSummary> {
  const relative = DEMO_SERVICES[options.sdk];
  const entry = relative && fileURLToPath(new URL(relative, import.meta.url));
  const available = Object.entries(DEMO_SERVICES)
    .filter(([, path]) => existsSync(fileURLToPath(new URL(path, import.meta.url))))
    .map(([sdk]) => sdk);
  if (!entry || !existsSync(entry)) {
    throw new Error(`No demo for --sdk ${options.sdk}. Available: ${available.join(', ')}`);
  }
  const timeline = createTimeline(options.print);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  const onAbort = () => void stopAll();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    timeline.header(`restate-agents demo — ${options.sdk}`);
    const restate = await startRestate();
    stops.push(() => restate.stop());
    timeline.info(`restate-server ${restate.ingressUrl} (admin ${restate.adminUrl})`);
    const modelName = options.openaiApiKey ? 'gpt-4o-mini' : 'demo-support';
    let model: MockModelServer | undefined;
    if (!options.openaiApiKey) {
      model = await startMockModel();
      stops.push(() => (model as MockModelServer).close());
      model.conversation(modelName, SCRIPT);
      timeline.info(
        `scripted model ${model.openaiBaseUrl} (set OPENAI_API_KEY to use a real model)`,
      );
    } else {
      timeline.info('model: OpenAI gpt-4o-mini (OPENAI_API_KEY is set)');
    }
    const ledger = await startLedger();
    stops.push(() => ledger.close());
    const service = await startServiceProcess({
      entry,
      env: {
        [DEMO_ENV.openaiBaseUrl]: model?.openaiBaseUrl ?? 'https://api.openai.com/v1',
        [DEMO_ENV.openaiApiKey]: options.openaiApiKey ?? 'scripted',
        // The plain Anthropic example runs on the scripted model only (its Messages API endpoint).
        ...(model && { [DEMO_ENV.anthropicBaseUrl]: model.anthropicBaseUrl }),
        // Google's ADK speaks the Gemini API: the scripted model serves it too.
        ...(model && { [DEMO_ENV.geminiBaseUrl]: model.geminiBaseUrl }),
        [DEMO_ENV.model]: modelName,
        [DEMO_ENV.ledgerUrl]: ledger.url,
      },
    });
    stops.push(() => service.stop());
    await restate.register({ url: service.url });
    timeline.info(`${options.sdk} agent service running in a child process on ${service.url}`);

    await service.armCrash(DEMO_CRASH_POINT, 1);
    const started = Date.now();
    const { invocationId } = await restate.send(
      { service: DEMO_OBJECT, handler: DEMO_HANDLER, key: 'ada' },
      `Hi, I'm Ada. Please refund my order ${DEMO_ORDER.orderId}.`,
    );
    timeline.step('invoke', `SupportAgent/ada/run  ${invocationId}`);

    const watcher = watch({
      restate,
      service,
      model,
      ledger,
      timeline,
      approveAfterMs: options.approveAfterMs ?? 600,
    });
    const crash = handleCrash(service, timeline, watcher.flush);
    const answer = await restate.attach<string>(invocationId, { timeoutMs: 120_000 });
    await watcher.flush();
    watcher.stop();
    timeline.step('done', `agent answered: "${answer}"`);

    const summary = await summarise({
      restate,
      model,
      ledger,
      invocationId,
      answer,
      crashedAt: await crash,
      started,
    });
    timeline.summary(summary);
    const result: DemoSummary = { ...summary, stop: stopAll };
    if (!options.keep) await stopAll();
    return result;
  } catch (error) {
    await stopAll();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Restarts the service after it dies at the crash point; resolves with when it died, if it did. */
function handleCrash(
  service: ServiceProcess,
  timeline: Timeline,
  flush: () => Promise<void>,
): Promise<number | undefined> {
  return service.crashed().then(
    async (report) => {
      const crashedAt = Date.now();
      await flush();
      timeline.step(
        'crash',
        `service SIGKILLed at crash point "${report.point}" (right after the side effect was journaled)`,
      );
      const began = Date.now();
      await service.restart();
      timeline.step(
        'restart',
        `service restarted in ${Date.now() - began} ms — Restate retries the invocation and replays its journal`,
      );
      return crashedAt;
    },
    () => undefined,
  );
}

interface WatchParts {
  restate: RestateEnvironment;
  service: ServiceProcess;
  model: MockModelServer | undefined;
  ledger: Awaited<ReturnType<typeof startLedger>>;
  timeline: Timeline;
  approveAfterMs: number;
}

/** Prints model requests, side effects, events and approvals as they happen; approves the refund. */
function watch(parts: WatchParts) {
  const { restate, model, ledger, timeline } = parts;
  let seenRequests = 0;
  let seenEntries = 0;
  const requested = new Set<number>();
  const poll = async () => {
    const requests = model?.requests ?? [];
    for (const request of requests.slice(seenRequests)) {
      const again = requested.has(request.turnIndex);
      requested.add(request.turnIndex);
      timeline.step(
        'model',
        `request for turn ${request.turnIndex + 1} sent to the model${again ? ' — REPEATED' : ''}`,
      );
    }
    seenRequests = requests.length;
    const entries = ledger.entries();
    for (const entry of entries.slice(seenEntries)) {
      const body = entry.body;
      if (entry.kind === 'side-effect') {
        timeline.step(
          'effect',
          `side effect: ${String(body.kind)} ${JSON.stringify({ ...body, kind: undefined })}`,
        );
      } else if (entry.kind === 'event') {
        const detail = body.replayed
          ? 'from the journal (not run again)'
          : body.ms === undefined
            ? 'ran'
            : `ran in ${String(body.ms)} ms`;
        timeline.step(String(body.kind), `${String(body.name)}: ${detail}`);
      } else if (entry.kind === 'approval') {
        const approvalId = String(body.approvalId);
        timeline.step(
          'approval',
          `waiting for a human to approve ${JSON.stringify(body.details)} (awakeable ${approvalId})`,
        );
        setTimeout(() => {
          restate.resolveAwakeable(approvalId, { approved: true }).then(
            () =>
              timeline.step(
                'approval',
                'a human approved (awakeable resolved through the ingress)',
              ),
            (error: unknown) => timeline.info(`could not resolve the approval: ${String(error)}`),
          );
        }, parts.approveAfterMs);
      }
    }
    seenEntries = entries.length;
  };
  const timer = setInterval(() => void poll(), 40);
  return { flush: poll, stop: () => clearInterval(timer) };
}

async function summarise(parts: {
  restate: RestateEnvironment;
  model: MockModelServer | undefined;
  ledger: Awaited<ReturnType<typeof startLedger>>;
  invocationId: string;
  answer: string;
  crashedAt: number | undefined;
  started: number;
}): Promise<Omit<DemoSummary, 'stop'>> {
  const { restate, model, ledger, invocationId } = parts;
  const sideEffects: Record<string, number> = {};
  const distinct = new Set<string>();
  let repeated = 0;
  for (const entry of ledger.entries({ kind: 'side-effect' })) {
    const kind = String(entry.body.kind);
    sideEffects[kind] = (sideEffects[kind] ?? 0) + 1;
    const identity = JSON.stringify(entry.body);
    if (distinct.has(identity)) repeated += 1;
    distinct.add(identity);
  }
  const requests = model?.requests ?? [];
  const turns = new Set<number>();
  let modelRepeated = 0;
  for (const request of requests) {
    if (turns.has(request.turnIndex)) modelRepeated += 1;
    turns.add(request.turnIndex);
  }
  // Turns answered before the crash were not asked again after it: they came from the journal.
  const crashedAt = parts.crashedAt ?? Number.NEGATIVE_INFINITY;
  const replayed = new Set(
    requests.filter((request) => request.receivedAt < crashedAt).map((r) => r.turnIndex),
  ).size;
  const journal = await restate.journal(invocationId);
  return {
    invocationId,
    answer: parts.answer,
    crashed: parts.crashedAt !== undefined,
    ...(model && {
      modelCallsMade: requests.length,
      modelCallsRepeated: modelRepeated,
      modelCallsReplayed: replayed,
    }),
    sideEffects,
    sideEffectsRepeated: repeated,
    journalEntries: journal.length,
    journalBytes: await restate.journalBytes(invocationId),
    uiUrl: `${restate.adminUrl}/ui/invocations/${invocationId}`,
    durationMs: Date.now() - parts.started,
  };
}
