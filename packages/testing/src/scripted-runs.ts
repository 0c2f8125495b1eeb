/**
 * Invocations of one service's handlers, each on a key of its own that also names its scripted conversation:
 * what a file of pattern tests, each with its own model script, starts over and over.
 */
import type { MockModelServer } from './mock-model/mock-model-server.js';
import type { MockScript } from './mock-model/types.js';
import type { RestateEnvironment } from './restate-server.js';

/** Options of {@link scriptedRuns}. */
export interface ScriptedRunsOptions {
  restate: RestateEnvironment;
  model: MockModelServer;
  /** The service (or virtual object) whose handlers run. */
  service: string;
  /** Part of every key, e.g. the mode, so that two modes on one model server never share a conversation. */
  label: string;
}

/** One started run: its key and, once it ends, its invocation id and output. */
export interface ScriptedRun<T> {
  key: string;
  /** Rejects with `InvocationFailedError` when the invocation fails. */
  result: Promise<{ invocationId: string; output: T }>;
}

/** Starts runs on fresh keys; see {@link scriptedRuns}. */
export interface ScriptedRuns {
  /**
   * Registers `script` (when given) as the scripted conversation of a fresh key `<handler>-<label>-<n>`, sends
   * `input` to `handler` on that key at once, and returns the key and the run's result.
   */
  run<T>(handler: string, input: unknown, script?: MockScript): ScriptedRun<T>;
}

/**
 * Runs of `options.service`'s handlers, each on a fresh key that also names its scripted conversation (the
 * service passes the key as the model name). `restate` and `model` may be the forwarding handles of
 * `useRestate` and `useMockModel`: they are only used when a run starts.
 *
 * @example
 * const { run } = scriptedRuns({ restate, model, service: 'Patterns', label: 'normal' });
 * const { key, result } = run<string>('loop', { stream: true }, [{ text: 'done' }]);
 * expect((await result).output).toBe('done');
 */
export function scriptedRuns(options: ScriptedRunsOptions): ScriptedRuns {
  const { restate, model, service, label } = options;
  let keys = 0;
  return {
    run<T>(handler: string, input: unknown, script?: MockScript): ScriptedRun<T> {
      keys += 1;
      const key = `${handler}-${label}-${keys}`;
      if (script) model.conversation(key, script);
      const result = restate
        .send({ service, handler, key }, input)
        .then(async ({ invocationId }) => ({
          invocationId,
          output: await restate.attach<T>(invocationId),
        }));
      return { key, result };
    },
  };
}
