/**
 * A real crash (SIGKILL of the service process, right after a pattern's side effect is journaled) and a
 * restart, in normal and always-replay mode, for patterns of the AI SDK's docs: each side effect runs once,
 * no model turn is requested twice, and the run finishes with the answer it would have without the crash.
 */
import { fileURLToPath } from 'node:url';
import { useCrashHarness } from '@restate-agents/testing/vitest';
import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./crash-service.ts', import.meta.url));

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    // Restarts are found within a second (fast retries; each step's own retry cap is counted by the SDK, and
    // nothing here asserts on the back-off), and the next process loads while the current one serves.
    const harness = useCrashHarness({ serviceEntry: entry, restate: { alwaysReplay } });
    const { restate, model: mock, ledger, service } = harness;

    const mode = alwaysReplay ? 'replay' : 'normal';
    /** Sends, waits for the SIGKILL at `point`, restarts the service and returns the final output. */
    async function crashOnce<T>(handler: string, key: string, input: unknown, point: string) {
      await service.armCrash(point);
      const crashed = service.crashed();
      const { invocationId } = await restate.send({ service: 'AiSdkCrash', handler, key }, input);
      expect(await crashed).toEqual({ point, hit: 1 });
      await service.restart();
      return restate.attach<T>(invocationId, { timeoutMs: 60_000 });
    }
    const effects = (session: string, what: string) =>
      ledger.entries({ kind: 'effect', session }).filter((entry) => entry.body.what === what)
        .length;
    const turnsRequestedOnce = (key: string) => {
      const turns = mock.requestsFor(key).map((request) => request.turnIndex);
      expect(turns).toEqual([...new Set(turns)]);
    };

    it('a streaming tool: the step inside it runs once, the model gets its final value', async () => {
      const key = `streaming-${mode}`;
      mock.conversation(key, (request) =>
        request.turnIndex === 0
          ? { toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }], delayMs: 50 }
          : { text: `done: ${request.lastToolResult ?? ''}`, delayMs: 50 },
      );
      const output = await crashOnce<string>('streamingTool', key, null, 'after-lookup');
      expect(output).toContain('found o7');
      expect(effects(key, 'lookup')).toBe(1);
      turnsRequestedOnce(key);
    });

    it('an approval from the messages: the refund runs once, no awakeable', async () => {
      const key = `approval-${mode}`;
      const messages: ModelMessage[] = [
        { role: 'user', content: 'refund order 7' },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: 'call-1', toolName: 'refund', input: { text: 'o7' } },
            { type: 'tool-approval-request', approvalId: 'approval-1', toolCallId: 'call-1' },
          ],
        },
        {
          role: 'tool',
          content: [{ type: 'tool-approval-response', approvalId: 'approval-1', approved: true }],
        },
      ];
      mock.conversation(key, (request) => ({
        text: `answer: ${request.lastToolResult ?? ''}`,
        delayMs: 50,
      }));
      const output = await crashOnce<string>('approvedInMessages', key, messages, 'after-refund');
      expect(output).toContain('refunded o7');
      expect(effects(key, 'refund')).toBe(1);
      expect(effects(key, 'approval-requested')).toBe(0);
      turnsRequestedOnce(key);
    });

    it('ToolLoopAgent prepareCall: the swapped-in model and tool are durable across the crash', async () => {
      const key = `prepare-call-${mode}`;
      mock.conversation(key, (request) =>
        request.turnIndex === 0
          ? { toolCalls: [{ name: 'record', arguments: { text: 'a' } }], delayMs: 50 }
          : { text: 'recorded', delayMs: 50 },
      );
      const output = await crashOnce<string>('prepareCall', key, null, 'after-record');
      expect(output).toBe('recorded');
      expect(effects(key, 'record')).toBe(1);
      turnsRequestedOnce(key);
    });

    it('embedMany with parallel chunks: each chunk embedded once across the crash', async () => {
      const key = `embed-${mode}`;
      const output = await crashOnce<number[][]>('embedParallel', key, null, 'after-embed');
      expect(output).toEqual([[1], [2], [3], [4], [5]]);
      expect(effects(key, 'embed')).toBe(3);
    });
  });
}
