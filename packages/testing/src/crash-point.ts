import { writeSync } from 'node:fs';

// This file is loaded inside service processes, often straight from `src/` through Node's type
// stripping: it imports nothing but `node:fs`, and uses only erasable TypeScript syntax.

const stateKey = Symbol.for('restate-agents.crash-point');

/** Messages between the test process and a service process (see `service-process.ts`). */
export const crashPointMessages: {
  readonly arm: 'restate-agents:arm-crash';
  readonly armed: 'restate-agents:crash-armed';
  readonly crashed: 'restate-agents:crashed';
} = {
  arm: 'restate-agents:arm-crash',
  armed: 'restate-agents:crash-armed',
  crashed: 'restate-agents:crashed',
};

/** Printed to stderr with a synchronous write right before the kill, so the parent sees it even if IPC is lost. */
export const crashMarker = '[restate-agents] crashed at ';

interface CrashPointState {
  /** point name → the hit (1-based, counted since arming) that kills the process */
  readonly armed: Map<string, number>;
  readonly hits: Map<string, number>;
}

interface ArmMessage {
  type: typeof crashPointMessages.arm;
  point: string;
  hit: number;
}

/**
 * Marks a place where a test may kill this process; a no-op unless a test armed this point.
 *
 * Arm it with the env var `RESTATE_AGENTS_CRASH_AT="name:hit[,name2:hit]"` or at runtime with
 * `ServiceProcess.armCrash()`. Hits are counted per name in this process (from arming); at the armed
 * hit the process tells its parent and dies with SIGKILL — a real crash, no `finally` runs. The
 * state lives on `globalThis`, so two loaded copies of this module (src and dist) share it.
 */
export function crashPoint(name: string): void {
  const state = crashPointState();
  const hit = (state.hits.get(name) ?? 0) + 1;
  state.hits.set(name, hit);
  if (state.armed.get(name) !== hit) return;
  const report = JSON.stringify({ point: name, hit });
  try {
    writeSync(2, `\n${crashMarker}${report}\n`);
  } catch {
    // stderr may be closed; the IPC message below and the SIGKILL exit still tell the parent
  }
  process.send?.({ type: crashPointMessages.crashed, point: name, hit });
  process.kill(process.pid, 'SIGKILL');
}

function crashPointState(): CrashPointState {
  const holder = globalThis as { [stateKey]?: CrashPointState };
  let state = holder[stateKey];
  if (state === undefined) {
    state = { armed: parseCrashAt(process.env.RESTATE_AGENTS_CRASH_AT), hits: new Map() };
    holder[stateKey] = state;
    listenForArming(state);
  }
  return state;
}

function parseCrashAt(value: string | undefined): Map<string, number> {
  const armed = new Map<string, number>();
  for (const item of (value ?? '').split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const separator = trimmed.lastIndexOf(':');
    const hit = separator === -1 ? 1 : Number(trimmed.slice(separator + 1));
    const name = separator === -1 ? trimmed : trimmed.slice(0, separator);
    armed.set(name, Number.isInteger(hit) && hit > 0 ? hit : 1);
  }
  return armed;
}

function listenForArming(state: CrashPointState): void {
  // Only in processes started by startServiceProcess: elsewhere the IPC channel belongs to someone else.
  if (typeof process.send !== 'function' || process.env.RESTATE_AGENTS_SERVICE_PROCESS !== '1') {
    return;
  }
  process.on('message', (message: unknown) => {
    if (!isArmMessage(message)) return;
    state.armed.set(message.point, message.hit);
    state.hits.delete(message.point);
    process.send?.({ type: crashPointMessages.armed, point: message.point, hit: message.hit });
  });
  // A 'message' listener refs the channel; the service's own server keeps the process alive instead.
  process.channel?.unref();
}

function isArmMessage(message: unknown): message is ArmMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === crashPointMessages.arm
  );
}

// Installs the IPC listener when the module is preloaded, before the service ever reaches a point.
crashPointState();
