/**
 * A caller's abort signal reaches a `durableChatModel` request in flight: LangChain's `invoke(..., { signal })`
 * (and `createAgent`'s `signal`) abort the HTTP request at once, joined with the step attempt's own signal.
 * `ChatOpenAI` over HTTP to the scripted model server, whose first answer hangs; normal and always-replay mode.
 */
import { HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableChatModel } from '../src/index.js';

const mock = useMockModel();

/** When the caller aborted, by object key (the first execution's time; a replay does not abort again). */
const abortedAt = new Map<string, number>();

const service = restate.object({
  name: 'AbortSignal',
  handlers: {
    async run(ctx: restate.ObjectContext): Promise<string> {
      const key = ctx.key;
      const controller = new AbortController();
      // The caller gives up once the request is in flight (a UI's stop button, an agent-wide timeout).
      if (!abortedAt.has(key)) {
        const abortWhenSent = () => {
          if (mock.requestsFor(key).length === 0) return void setTimeout(abortWhenSent, 20);
          abortedAt.set(key, Date.now());
          controller.abort();
        };
        abortWhenSent();
      } else {
        controller.abort();
      }
      const model = durableChatModel(
        ctx,
        new ChatOpenAI({
          model: key,
          apiKey: 'scripted',
          configuration: { baseURL: mock.openaiBaseUrl },
        }),
        { step: { maxRetryAttempts: 1 } },
      );
      try {
        return (await model.invoke([new HumanMessage('hi')], { signal: controller.signal })).text;
      } catch (error) {
        return `failed: ${(error as Error).message}`;
      }
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])("the caller's abort signal ($mode)", ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));

  it('closes the request in flight when the caller aborts', async () => {
    const key = `abort-${mode}`;
    mock.conversation(key, [{ text: 'too late', faults: [{ kind: 'hang' }] }]);
    const { invocationId } = await env.send({ service: 'AbortSignal', handler: 'run', key });
    const result = await env.attach<string>(invocationId, { timeoutMs: 60_000 });
    expect(result).toMatch(/^failed: /);
    // The server notices the closed connection a moment after the client closed it.
    const deadline = Date.now() + 5_000;
    while (mock.requestsFor(key)[0]?.clientClosedAt === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [request] = mock.requestsFor(key);
    // Closed by the client within moments of the abort (without the caller's signal it would hang).
    expect(request?.clientClosedAt).toBeDefined();
    expect((request?.clientClosedAt ?? 0) - (abortedAt.get(key) ?? 0)).toBeLessThan(2_000);
    expect(mock.requestsFor(key)).toHaveLength(1);
  });
});
