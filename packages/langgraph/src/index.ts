export type { DurableGraph, DurableGraphOptions, GraphInterruptRequest } from './durable-graph.js';
export { durableGraph } from './durable-graph.js';
export type {
  GraphMessageMetadata,
  GraphRetract,
  GraphStreamEvent,
  GraphStreamEventsOptions,
  GraphStreamMode,
} from './graph-stream-events.js';
export { graphStreamEvents } from './graph-stream-events.js';
export type { MappableGraphEvent } from './graph-stream-events-ui.js';
export { graphUIMessageStream } from './graph-stream-events-ui.js';
export { GRAPH_CHUNKS } from './live-graph-wire.js';
export type { RestateCheckpointSaverOptions } from './restate-checkpoint-saver.js';
export { RestateCheckpointSaver } from './restate-checkpoint-saver.js';
export type { RestateStoreOptions } from './restate-store.js';
export { RestateStore } from './restate-store.js';
export { STEP_NAMES } from './step-names.js';
export { durableNodeStep } from './task-memo.js';
