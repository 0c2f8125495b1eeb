/**
 * Sessions on Virtual Object state (R10, R8, R11): an ADK `BaseSessionService` whose sessions live in the
 * state of the Restate object running the agent (keyed by app, user and session id), written only by that
 * object's exclusive handler and covered by the journal. Events are stored as a chunked list (core's
 * `listStore`: an append rewrites one chunk, so the journal grows with what is added); the session's state
 * is written only when an event changes it.
 *
 * ADK draws event ids from `Math.random`, timestamps from `Date.now` and invocation ids from
 * `crypto.randomUUID`; replayed, they would differ. Every event is given replay-stable ones as it is
 * appended (core's `idSource`, and the time journaled by the last model step — see attempt-state.ts) before
 * it is stored; the runner yields that same object, so callers see the stable values.
 *
 * `app:` and `user:` state keys stay in the session (one Virtual Object cannot write another's state);
 * `temp:` keys are never stored, as in ADK.
 */
import {
  BaseSessionService,
  type CreateSessionRequest,
  type DeleteSessionRequest,
  type Event,
  type GetSessionRequest,
  type ListSessionsRequest,
  type ListSessionsResponse,
  type Session,
} from '@google/adk';
import {
  idSource,
  type ListStore,
  listStore,
  type RecordStore,
  recordStore,
} from '@restate-agents/core';
import type { ObjectContext } from '@restatedev/restate-sdk';
import { journaledTime } from './attempt-state.js';
import { ID_SCOPES } from './step-names.js';

/** The state key prefix of everything this service stores. */
export const SESSION_STATE_PREFIX = 'adk';

interface SessionKey {
  appName: string;
  userId: string;
  id: string;
}

interface StoredSession extends SessionKey {
  state: Record<string, unknown>;
  createdAt: number;
}

function keyOf({ appName, userId, id }: SessionKey): string {
  return [appName, userId, id].map(encodeURIComponent).join('/');
}

function withoutTemp(state: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state ?? {}).filter(([key]) => !key.startsWith('temp:')),
  );
}

/**
 * ADK sessions in the state of the current Virtual Object: `new RestateSessionService(ctx)` in the object's
 * exclusive handler, given to the `Runner`.
 *
 * @example
 * const runner = new Runner({ appName: 'support', agent: withRestate(ctx, agent),
 *   sessionService: new RestateSessionService(ctx), plugins: [new RestatePlugin(ctx)] });
 */
export class RestateSessionService extends BaseSessionService {
  readonly #ctx: ObjectContext;
  /** Each ADK invocation id (random) mapped to its replay-stable one, in order of appearance. */
  readonly #invocationIds = new Map<string, string>();

  constructor(ctx: ObjectContext) {
    super();
    this.#ctx = ctx;
  }

  #record(key: SessionKey): RecordStore<StoredSession> {
    return recordStore<StoredSession>(this.#ctx, `${SESSION_STATE_PREFIX}:session:${keyOf(key)}`);
  }

  #events(key: SessionKey): ListStore<Event> {
    return listStore<Event>(this.#ctx, `${SESSION_STATE_PREFIX}:events:${keyOf(key)}`);
  }

  #index(): RecordStore<SessionKey[]> {
    return recordStore<SessionKey[]>(this.#ctx, `${SESSION_STATE_PREFIX}:sessions`);
  }

  override async createSession(request: CreateSessionRequest): Promise<Session> {
    const id = request.sessionId ?? idSource(this.#ctx).uuid(ID_SCOPES.session);
    const key: SessionKey = { appName: request.appName, userId: request.userId, id };
    const record = this.#record(key);
    if ((await record.get()) !== undefined) {
      throw new Error(
        `RestateSessionService: session "${id}" of app "${key.appName}" and user "${key.userId}" exists already.`,
      );
    }
    const stored: StoredSession = {
      ...key,
      state: withoutTemp(request.state),
      createdAt: await journaledTime(this.#ctx),
    };
    record.set(stored);
    const index = this.#index();
    index.set([...((await index.get()) ?? []), key]);
    return { ...key, state: { ...stored.state }, events: [], lastUpdateTime: stored.createdAt };
  }

  override async getSession(request: GetSessionRequest): Promise<Session | undefined> {
    const key: SessionKey = {
      appName: request.appName,
      userId: request.userId,
      id: request.sessionId,
    };
    const stored = await this.#record(key).get();
    if (stored === undefined) return undefined;
    let events = await this.#events(key).read();
    const lastUpdateTime = events.at(-1)?.timestamp ?? stored.createdAt;
    const { numRecentEvents, afterTimestamp } = request.config ?? {};
    if (afterTimestamp !== undefined)
      events = events.filter((event) => event.timestamp >= afterTimestamp);
    if (numRecentEvents !== undefined)
      events = numRecentEvents > 0 ? events.slice(-numRecentEvents) : [];
    return { ...key, state: { ...stored.state }, events, lastUpdateTime };
  }

  override async listSessions(request: ListSessionsRequest): Promise<ListSessionsResponse> {
    const keys = ((await this.#index().get()) ?? []).filter(
      (key) =>
        key.appName === request.appName &&
        (request.userId === undefined || key.userId === request.userId),
    );
    if (request.order === 'desc') keys.reverse();
    const limit = request.limit ?? keys.length;
    const offset = request.page !== undefined ? (request.page - 1) * limit : (request.offset ?? 0);
    const page = keys.slice(offset, limit === 0 ? undefined : offset + limit);
    const sessions: Session[] = [];
    for (const key of page) {
      const stored = await this.#record(key).get();
      if (stored)
        sessions.push({ ...key, state: {}, events: [], lastUpdateTime: stored.createdAt });
    }
    return {
      sessions,
      page: limit === 0 ? 1 : Math.floor(offset / limit) + 1,
      limit,
      totalItems: keys.length,
      totalPages: limit === 0 ? 1 : Math.ceil(keys.length / limit),
    };
  }

  override async deleteSession(request: DeleteSessionRequest): Promise<void> {
    const key: SessionKey = {
      appName: request.appName,
      userId: request.userId,
      id: request.sessionId,
    };
    this.#record(key).clear();
    await this.#events(key).clear();
    const index = this.#index();
    index.set(((await index.get()) ?? []).filter((other) => keyOf(other) !== keyOf(key)));
  }

  override async appendEvent(request: { session: Session; event: Event }): Promise<Event> {
    const { session, event } = request;
    if (event.partial) return event;
    // Replay-stable values in place of ADK's random ones (the runner yields this very object).
    event.id = idSource(this.#ctx).id({ scope: ID_SCOPES.event, size: 8 });
    event.timestamp = await journaledTime(this.#ctx);
    event.invocationId = this.#stableInvocationId(event.invocationId);
    const appended = await super.appendEvent({ session, event });
    session.lastUpdateTime = appended.timestamp;
    const key: SessionKey = { appName: session.appName, userId: session.userId, id: session.id };
    await this.#events(key).append(appended);
    if (Object.keys(appended.actions?.stateDelta ?? {}).length > 0) {
      const record = this.#record(key);
      const stored = await record.get();
      if (stored) record.set({ ...stored, state: withoutTemp(session.state) });
    }
    return appended;
  }

  #stableInvocationId(adkId: string): string {
    let stable = this.#invocationIds.get(adkId);
    if (stable === undefined) {
      stable = `e-${idSource(this.#ctx).uuid(ID_SCOPES.invocation)}`;
      this.#invocationIds.set(adkId, stable);
    }
    return stable;
  }
}
