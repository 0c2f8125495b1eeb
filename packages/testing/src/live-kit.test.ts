import type { AddressInfo } from 'node:net';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  assertShownOnce,
  foldLiveMessage,
  type LiveChunk,
  liveReply,
  messageTexts,
} from './live-kit.js';
import { startPartitionProxy } from './live-kit-proxy.js';

/** A step streaming `pieces` as text deltas of part `id`. */
function step(id: string, pieces: string[], end = true): LiveChunk[] {
  return [
    { type: 'start-step' },
    { type: 'text-start', id },
    ...pieces.map((delta) => ({ type: 'text-delta', id, delta })),
    ...(end ? [{ type: 'text-end', id }, { type: 'finish-step' }] : []),
  ];
}

describe('assertShownOnce', () => {
  it('accepts a stream that shows the answer once, and one retracted by reset-step then rebuilt', async () => {
    const answer = 'bravo0 bravo1 bravo2';
    await assertShownOnce(
      [{ type: 'start' }, ...step('t1', ['bravo0 bra', 'vo1 bravo2']), { type: 'finish' }],
      [answer],
    );
    await assertShownOnce(
      [
        { type: 'start' },
        ...step('t1', ['alpha0 al', 'pha1'], false),
        { type: 'reset-step' },
        ...step('t1', ['bravo0 bravo1', ' bravo2']),
        { type: 'finish' },
      ],
      [answer],
    );
  });

  it('rejects a final message that is not the journaled answer', async () => {
    await expect(
      assertShownOnce([{ type: 'start' }, ...step('t1', ['bravo0 bravo1'])], ['bravo0 bravo2']),
    ).rejects.toThrow(/final message is not the journaled answer/);
  });

  it('rejects a word shown twice, even when a later reset takes it back', async () => {
    const chunks: LiveChunk[] = [
      { type: 'start' },
      ...step('t1', ['bravo0 bravo1 ', 'bravo1 '], false),
      { type: 'reset-step' },
      ...step('t1', ['bravo0 bravo1 bravo2']),
    ];
    await expect(assertShownOnce(chunks, ['bravo0 bravo1 bravo2'])).rejects.toThrow(
      /shows "bravo1" twice/,
    );
  });

  it('rejects a state after the last reset-step that is no prefix of the answer (a zombie chunk)', async () => {
    const chunks: LiveChunk[] = [
      { type: 'start' },
      ...step('t1', ['alpha0 '], false),
      { type: 'reset-step' },
      { type: 'start-step' },
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'bravo0 ' },
      { type: 'text-delta', id: 't1', delta: 'alpha1 ' },
      { type: 'text-end', id: 't1' },
      { type: 'reset-step' },
      ...step('t1', ['bravo0 bravo1']),
    ];
    // The last reset-step hides the zombie's word from the final message; the prefix check looks from there on.
    await assertShownOnce(chunks, ['bravo0 bravo1']);
    const late: LiveChunk[] = [
      { type: 'start' },
      ...step('t1', ['alpha0 '], false),
      { type: 'reset-step' },
      { type: 'start-step' },
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'bravo0 ' },
      { type: 'text-start', id: 't2' },
      { type: 'text-delta', id: 't2', delta: 'alpha1 ' },
      { type: 'text-delta', id: 't1', delta: 'bravo1' },
      { type: 'text-end', id: 't1' },
      { type: 'finish-step' },
    ];
    await expect(assertShownOnce(late, ['bravo0 bravo1'])).rejects.toThrow(/journaled answer/);
  });

  it('folds with the AI SDK reader: reset-step drops the step, an error chunk ends nothing', async () => {
    const message = await foldLiveMessage([
      { type: 'start' },
      ...step('t1', [liveReply(1, 2)], false),
      { type: 'reset-step' },
      ...step('t1', [liveReply(2, 2)]),
      { type: 'error', errorText: 'boom' },
    ]);
    expect(messageTexts(message)).toEqual(['bravo0 bravo1']);
  });
});

describe('startPartitionProxy', () => {
  it('forwards; partition resets the client side and keeps the target side open and silent; new connections pass', async () => {
    const served: Socket[] = [];
    const target = createServer((socket) => {
      served.push(socket);
      // The proxy destroys its upstream sockets on heal and close; if echoed data is still unread there, the
      // kernel answers with a reset, and an 'error' with no listener would fail the run as an uncaught error.
      socket.on('error', () => undefined);
      socket.on('data', (data) => socket.write(`echo:${data}`));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const proxy = await startPartitionProxy((target.address() as AddressInfo).port);
    const port = Number(new URL(proxy.url).port);
    const open = async (): Promise<{ socket: Socket; next(): Promise<string> }> => {
      const socket = netConnect({ port, host: '127.0.0.1' });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const received: string[] = [];
      let wake: (() => void) | undefined;
      socket.on('data', (data) => {
        received.push(String(data));
        wake?.();
      });
      return {
        socket,
        next: async () => {
          while (received.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          return received.shift() as string;
        },
      };
    };
    try {
      const first = await open();
      first.socket.write('one');
      expect(await first.next()).toBe('echo:one');
      const closed = new Promise<unknown>((resolve) => first.socket.once('error', resolve));
      expect(proxy.partition()).toBe(1);
      expect(await closed).toMatchObject({ code: 'ECONNRESET' });
      // The target never heard of it: its side is still open.
      expect(served[0]?.destroyed).toBe(false);
      const seen = proxy.connections;
      const second = await open();
      await proxy.waitForConnections(seen);
      second.socket.write('two');
      expect(await second.next()).toBe('echo:two');
      const targetClosed = new Promise<void>((resolve) =>
        served[0]?.once('close', () => resolve()),
      );
      proxy.heal();
      await targetClosed;
      second.socket.destroy();
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });
});
