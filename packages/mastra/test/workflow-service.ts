/**
 * The service for workflow.test.ts, run in a child process the test SIGKILLs at a crash point and restarts:
 * a Mastra workflow (a step with a side effect, a sleep, an agent step, a step with another side effect)
 * run by `durableWorkflow`; side effects are posted to the ledger, one entry per execution.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableWorkflow, restateModel } from '../src/index.js';

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const effect = (session: string, what: string) => postToLedger('effect', { session, what });

const order = z.object({ session: z.string(), orderId: z.string() });

const charge = createStep({
  id: 'charge',
  inputSchema: order,
  outputSchema: z.object({ session: z.string(), receipt: z.string() }),
  execute: async ({ inputData }) => {
    await pause(30); // a payment API with latency
    await effect(inputData.session, 'charge');
    return { session: inputData.session, receipt: `receipt-${inputData.orderId}` };
  },
});

// Declared once at module level, as Mastra's docs do; the conversation is chosen per run by the prompt's key.
const writer = new Agent({
  id: 'writer',
  name: 'writer',
  instructions: 'You write order confirmations.',
  model: ({ requestContext }) =>
    restateModel(openai.chat(String(requestContext.get('session'))))({ requestContext }),
});

const notify = createStep({
  id: 'notify',
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ sent: z.string() }),
  execute: async ({ inputData, requestContext }) => {
    const session = String(requestContext.get('session'));
    crashPoint('before-notify');
    await effect(session, 'notify');
    return { sent: inputData.text };
  },
});

const confirmOrder = createWorkflow({
  id: 'confirm-order',
  inputSchema: order,
  outputSchema: z.object({ sent: z.string() }),
})
  .then(charge)
  .sleep(200)
  .map(async ({ inputData }) => ({ prompt: `Confirm ${inputData.receipt}` }))
  .then(createStep(writer))
  .then(notify)
  .commit();

const fanOut = createWorkflow({ id: 'fan-out', inputSchema: order, outputSchema: z.any() })
  .parallel([charge, createStep({ ...charge, id: 'charge-again' })])
  .commit();

const service = restate.object({
  name: 'MastraWorkflows',
  handlers: {
    async confirm(ctx: restate.ObjectContext, orderId: string) {
      const { RequestContext } = await import('@mastra/core/request-context');
      const requestContext = new RequestContext();
      requestContext.set('session', ctx.key);
      const result = (await durableWorkflow(ctx, confirmOrder).start({
        inputData: { session: ctx.key, orderId },
        requestContext: requestContext as never,
      })) as { status: string; result?: unknown; error?: unknown };
      return { status: result.status, result: result.result };
    },
    async parallel(ctx: restate.ObjectContext) {
      return durableWorkflow(ctx, fanOut).start({ inputData: { session: ctx.key, orderId: '1' } });
    },
  },
});

await restate.serve({ services: [service], port: Number(process.env.PORT) });
