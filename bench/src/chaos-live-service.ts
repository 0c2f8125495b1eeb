/**
 * The agent process of the streaming chaos run (`pnpm chaos`, run-chaos.ts with `live`): the conformance
 * contract's `run` handler (input `{ model, prompt }`, output `{ text }`) with `live` on, so every model step
 * streams its text to the stream log while it runs. The log (`agentStreamObject`) is served by the chaos
 * run's own process, which no kill touches; this process is SIGKILLed and restarted.
 *
 * `CHAOS_LIVE_ADAPTER` names the adapter; its agent is `chaos-live-<adapter>.ts` (a {@link ChaosLiveAgent}),
 * loaded alone: a restart on a loaded machine then loads one SDK, not all of them. Adding an adapter is that
 * file plus `live: true` in run-chaos.ts's `CHAOS_ADAPTERS`.
 */
import { liveStream } from '@restate-agents/core';
import {
  CONFORMANCE_HANDLER,
  CONFORMANCE_OBJECT,
  type ConformanceInput,
  type ConformanceOutput,
} from '@restate-agents/testing';
import * as restate from '@restatedev/restate-sdk';
import type { ChaosLiveAgent } from './chaos-live-agent.ts';

const adapter = process.env.CHAOS_LIVE_ADAPTER ?? '';
if (!/^[a-z0-9-]+$/.test(adapter)) {
  throw new Error(
    `CHAOS_LIVE_ADAPTER must name an adapter (e.g. ai-sdk), got ${JSON.stringify(adapter)}`,
  );
}
const { agent } = (await import(`./chaos-live-${adapter}.ts`)) as { agent: ChaosLiveAgent };
/** The Restate ingress the agent's `liveStream` appends through. */
const ingressUrl = process.env.CHAOS_LIVE_INGRESS_URL ?? '';

const service = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    [CONFORMANCE_HANDLER]: async (
      ctx: restate.ObjectContext,
      input: ConformanceInput,
    ): Promise<ConformanceOutput> => {
      // The stream id is the session (one turn per session in chaos); the turn is this invocation.
      const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
      return { text: await agent(ctx, input, live) };
    },
  },
  // No retry policy of its own: the chaos run's server sets an unlimited one (see run-chaos.ts).
});

await restate.serve({ services: [service], port: Number(process.env.PORT) });
