/**
 * LangGraph's own checkpointer validation suite (`@langchain/langgraph-checkpoint-validation`) against
 * RestateCheckpointSaver on a real restate-server. The suite calls the saver from test code, so each call
 * is forwarded to a Virtual Object handler that runs the real saver on the object's state and sends the
 * result back, serialised by LangGraph's own serializer in both directions.
 */
import { randomUUID } from 'node:crypto';
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  JsonPlusSerializer,
  type PendingWrite,
} from '@langchain/langgraph-checkpoint';
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { RestateCheckpointSaver } from '../src/index.js';

const serde = new JsonPlusSerializer();

async function encode(value: unknown): Promise<{ type: string; data: string }> {
  const [type, bytes] = await serde.dumpsTyped(value);
  return { type, data: Buffer.from(bytes).toString('base64') };
}

async function decode(wire: { type: string; data: string }): Promise<unknown> {
  return serde.loadsTyped(wire.type, new Uint8Array(Buffer.from(wire.data, 'base64')));
}

type Method = 'getTuple' | 'list' | 'put' | 'putWrites' | 'deleteThread';

const probe = restate.object({
  name: 'CheckpointerProbe',
  handlers: {
    async call(
      ctx: restate.ObjectContext,
      request: { method: Method; args: { type: string; data: string } },
    ): Promise<{ type: string; data: string } | { error: string }> {
      try {
        return await forward(new RestateCheckpointSaver(ctx), request);
      } catch (error) {
        // The suite expects some calls to fail; a plain error would make Restate retry the call forever.
        return { error: error instanceof Error ? error.message : String(error) };
      }
    },
  },
});

async function forward(
  saver: RestateCheckpointSaver,
  request: { method: Method; args: { type: string; data: string } },
): Promise<{ type: string; data: string }> {
  const args = (await decode(request.args)) as unknown[];
  switch (request.method) {
    case 'getTuple':
      return encode(await saver.getTuple(args[0] as RunnableConfig));
    case 'list': {
      const tuples: CheckpointTuple[] = [];
      for await (const tuple of saver.list(
        args[0] as RunnableConfig,
        args[1] as CheckpointListOptions,
      )) {
        tuples.push(tuple);
      }
      return encode(tuples);
    }
    case 'put':
      return encode(
        await saver.put(
          args[0] as RunnableConfig,
          args[1] as Checkpoint,
          args[2] as CheckpointMetadata,
          args[3] as ChannelVersions,
        ),
      );
    case 'putWrites':
      await saver.putWrites(
        args[0] as RunnableConfig,
        args[1] as PendingWrite[],
        args[2] as string,
        args[3] as string | undefined,
      );
      return encode(null);
    case 'deleteThread':
      await saver.deleteThread(args[0] as string);
      return encode(null);
  }
}

/** The suite's view of the saver: every call is one invocation of the probe on its own object key. */
class ForwardingSaver extends BaseCheckpointSaver {
  readonly #url: string;
  constructor(ingressUrl: string, key: string) {
    super();
    this.#url = `${ingressUrl}/CheckpointerProbe/${key}/call`;
  }
  async #call(method: Method, ...args: unknown[]): Promise<unknown> {
    const response = await fetch(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method, args: await encode(args) }),
    });
    if (!response.ok)
      throw new Error(`${method} failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { type: string; data: string } | { error: string };
    if ('error' in body) throw new Error(body.error);
    return decode(body);
  }
  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    return ((await this.#call('getTuple', config)) ?? undefined) as CheckpointTuple | undefined;
  }
  override async *list(
    config: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncGenerator<CheckpointTuple> {
    yield* (await this.#call('list', config, options)) as CheckpointTuple[];
  }
  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    return (await this.#call('put', config, checkpoint, metadata, newVersions)) as RunnableConfig;
  }
  override async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    await this.#call('putWrites', config, writes, taskId, taskPath);
  }
  override async deleteThread(threadId: string): Promise<void> {
    await this.#call('deleteThread', threadId);
  }
}

const server = useRestate();

validate({
  checkpointerName: 'RestateCheckpointSaver',
  beforeAllTimeout: 60_000,
  async beforeAll() {
    await server.register({ services: [probe] });
  },
  createCheckpointer: () => new ForwardingSaver(server.ingressUrl, randomUUID()),
});
