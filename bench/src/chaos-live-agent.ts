/**
 * The shape of one adapter's streaming chaos agent (chaos-live-<adapter>.ts): the conformance contract's
 * `run` body with `live` on. It streams every model step to `live`, ends the turn on the log when the run
 * ends, and returns the final answer's text. Its `record` tool posts to the ledger in a journaled step named
 * as in the adapter's conformance service, so the chaos bookkeeping reads both alike.
 */
import type { LiveStream } from '@restate-agents/core';
import type { ConformanceInput } from '@restate-agents/testing';
import type { ObjectContext } from '@restatedev/restate-sdk';

export type ChaosLiveAgent = (
  ctx: ObjectContext,
  input: ConformanceInput,
  live: LiveStream,
) => Promise<string>;
