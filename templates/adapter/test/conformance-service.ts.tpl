// Serves the conformance contract (packages/testing/src/conformance/contract.ts) with __SDK__ made durable
// by this adapter. The reference to copy from: packages/core/test/plain-openai-service.ts.
import { CONFORMANCE_OBJECT } from '@restate-agents/testing';
import * as restate from '@restatedev/restate-sdk';

const conformanceAgent = restate.object({
  name: CONFORMANCE_OBJECT,
  handlers: {
    async run(): Promise<never> {
      throw new restate.TerminalError('__SLUG__: the conformance service is not written yet');
    },
  },
});

await restate.serve({ services: [conformanceAgent], port: Number(process.env.PORT) });
