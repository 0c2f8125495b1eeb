/** Which provider API a request came in through. */
export type MockApiName = 'chat' | 'responses' | 'anthropic' | 'gemini';

/** A tool call requested by the scripted model. */
export interface MockToolCall {
  /** Tool name as offered by the client. */
  name: string;
  /**
   * Tool arguments. An object is sent as its JSON; a string is sent raw, so a test can send
   * arguments that are not valid JSON.
   */
  arguments: unknown;
  /** Tool call id; default `call_<turnIndex>_<position>` (`toolu_…` for Anthropic). */
  id?: string;
}

/** What the scripted model answers at one turn. */
export interface MockTurn {
  /** Assistant text; omitted or empty means a turn with tool calls only. */
  text?: string;
  toolCalls?: MockToolCall[];
  /** Default: `tool_calls` when `toolCalls` is non-empty, else `stop`. Mapped to each API's own reason. */
  finishReason?: 'stop' | 'tool_calls' | 'length' | 'content_filter';
  /** Default: an estimate from the request and reply sizes, so the same request reports the same usage. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Wait this long before answering (every attempt, unlike a `delay` fault). */
  delayMs?: number;
  /**
   * Streamed answers only: wait this long between two SSE events, so a stream takes real time (a test can
   * kill or read a client mid-stream). Default 0: the whole stream is written at once.
   */
  chunkDelayMs?: number;
}

/**
 * A failure injected in place of an answer.
 *
 * `status` answers with that HTTP status (default body: the API's own error JSON); `delay` waits and
 * then answers the turn; `hang` never answers until the client gives up or the server closes;
 * `reset` sends headers and part of a body, then destroys the socket; `malformed-json` answers 200
 * with a body that is not JSON; `oversized` answers the turn with its text replaced by `bytes`
 * characters.
 */
export type MockFault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'malformed-json' }
  | { kind: 'oversized'; bytes: number };

/**
 * One scripted turn plus the faults that precede it.
 *
 * `faults[0]` is applied to the first attempt at this turn, `faults[1]` to the second and so on;
 * once the faults are used up, attempts get the turn itself.
 */
export type MockReply = MockTurn & { faults?: MockFault[] };

/**
 * The script of one conversation: replies indexed by turn, or a function of the request.
 *
 * An array is indexed by {@link MockRequest.turnIndex}, so a retried request gets the same reply.
 */
export type MockScript = MockReply[] | ((request: MockRequest) => MockReply | Promise<MockReply>);

/** A tool call found in the request history, arguments as the JSON text the client sent. */
export interface NormalisedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** One message of the request history, the same shape whichever API it came through. */
export interface NormalisedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  text?: string;
  toolCalls?: NormalisedToolCall[];
  /** For `tool` messages: the id of the call this result answers. */
  toolCallId?: string;
}

/** The API-independent view of a request, passed to function scripts and kept in the log. */
export interface MockRequest {
  /** From the `x-mock-conversation` header, else the body's `model`. */
  conversation: string;
  api: MockApiName;
  stream: boolean;
  /**
   * Number of assistant turns already in the history (consecutive assistant items count once).
   * Derived from the request alone, like a real model, so a re-sent request gets the same turn.
   */
  turnIndex: number;
  /**
   * 1 for the first request seen at (conversation, turnIndex), 2 for the next, and so on. Requests
   * for which no script exists are logged with 0 and use up no attempt.
   */
  attempt: number;
  messages: NormalisedMessage[];
  /** Text of the last tool result in the history, if any. */
  lastToolResult?: string;
  /** Names of the tools offered. */
  tools: string[];
  /** The raw JSON body. */
  body: unknown;
}

/**
 * A logged request and what the server did with it.
 *
 * For `bad-request` records the fields that could not be read are empty and `attempt` is 0.
 * `outcome` is decided when the request is routed: a `delay` that the client gave up on still
 * reads `answered`.
 */
export interface MockRequestRecord extends MockRequest {
  /** `Date.now()` when the request body was read. */
  receivedAt: number;
  outcome: 'answered' | 'fault' | 'no-script' | 'script-error' | 'bad-request';
  /** The fault applied, also for `delay`, which ends `answered`. */
  fault?: MockFault['kind'];
  /**
   * `Date.now()` when the client closed the connection before the answer was complete (it aborted the
   * request, timed out or crashed), e.g. during a `hang` fault; unset when the answer was sent or the
   * server's `close()` ended the connection.
   */
  clientClosedAt?: number;
}
