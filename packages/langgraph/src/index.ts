export type { DurableGraph, DurableGraphOptions, GraphInterruptRequest } from './durable-graph.js';
export { durableGraph } from './durable-graph.js';
export type { RestateCheckpointSaverOptions } from './restate-checkpoint-saver.js';
export { RestateCheckpointSaver } from './restate-checkpoint-saver.js';
export type { RestateStoreOptions } from './restate-store.js';
export { RestateStore } from './restate-store.js';
export { STEP_NAMES } from './step-names.js';
export { durableNodeStep } from './task-memo.js';
