/**
 * Inside a LangGraph node run by `durableGraph` (`@restate-agents/langgraph`), the steps this package makes
 * go through that run's task memo: a node that runs again to resume after `interrupt()` gets the results
 * of the steps it made before the interrupt instead of making them again (a model is not paid twice, a
 * tool's side effect does not happen twice). `durableGraph` hands the memo to the node's config under
 * {@link TASK_MEMO_KEY}; LangChain carries that config to every model and tool the node calls.
 */
import type { RunnableConfig } from '@langchain/core/runnables';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';

/** The `configurable` key `durableGraph` puts its memo under (the same string in both packages). */
const TASK_MEMO_KEY = '__restate_agents_task_memo';

interface TaskMemo {
  run<T>(
    configurable: Record<string, unknown>,
    kind: string,
    action: () => Promise<T>,
    keep?: (value: T) => boolean,
  ): Promise<T>;
}

/**
 * `action()` through the memo of the `durableGraph` task this runs in (found in `config`, or the config
 * LangChain carries in async-local storage), keyed by `kind` and how many `kind` steps the task made
 * before; results `keep` accepts are kept. Outside such a task: `action()`.
 */
export function inGraphTask<T>(
  kind: string,
  action: () => Promise<T>,
  keep?: (value: T) => boolean,
  config?: RunnableConfig,
): Promise<T> {
  const configurable = (
    config?.configurable?.[TASK_MEMO_KEY] !== undefined
      ? config.configurable
      : (AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunnableConfig | undefined)
          ?.configurable
  ) as Record<string, unknown> | undefined;
  const memo = configurable?.[TASK_MEMO_KEY] as TaskMemo | undefined;
  if (!configurable || typeof memo?.run !== 'function') return action();
  return memo.run(configurable, kind, action, keep);
}
