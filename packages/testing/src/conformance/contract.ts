/**
 * The contract between the conformance suite and an adapter's service: what the service must serve, which
 * tools its agent offers the model, and the environment it is started with. One contract for every SDK,
 * so the same scenarios prove the same guarantees for each adapter.
 */

/** The Virtual Object the driver's service must serve; its key is the session id. */
export const CONFORMANCE_OBJECT = 'ConformanceAgent';

/** The exclusive handler that runs one agent turn-loop: `(input: ConformanceInput) => ConformanceOutput`. */
export const CONFORMANCE_HANDLER = 'run';

/** Environment variables the service process is started with. */
export const CONFORMANCE_ENV = {
  /** OpenAI-compatible base URL of the scripted model server (ends in `/v1`). */
  openaiBaseUrl: 'CONFORMANCE_OPENAI_BASE_URL',
  /** Anthropic-compatible base URL of the scripted model server. */
  anthropicBaseUrl: 'CONFORMANCE_ANTHROPIC_BASE_URL',
  /** Gemini API base URL of the scripted model server (`httpOptions.baseUrl` of `@google/genai`). */
  geminiBaseUrl: 'CONFORMANCE_GEMINI_BASE_URL',
  /** Base URL of the ledger that counts side effects outside the service. */
  ledgerUrl: 'CONFORMANCE_LEDGER_URL',
} as const;

/** The input of one `run` invocation. */
export interface ConformanceInput {
  /** The model name to send: the scripted model server answers by it. */
  model: string;
  /** The user's message for this run (appended to the session's history). */
  prompt: string;
  /** Use the SDK's streaming API for model calls. */
  stream?: boolean;
  /**
   * When set, every model step of this run gets this `attemptTimeout` (in ms; the adapter's model-step
   * options, `step: { attemptTimeout }`), and the attempt's abort signal reaches the SDK's request: a
   * request still hanging when the attempt ends must be aborted (scenario `attempt-aborted`).
   */
  modelAttemptTimeoutMs?: number;
}

/** What `run` returns. */
export interface ConformanceOutput {
  /** The model's final text. */
  text: string;
}

/**
 * The tools the agent offers, by name. Each must behave as described; side effects go to the ledger
 * (`POST <ledger>/<path>` with a JSON body) and must happen exactly once per tool call.
 */
export const CONFORMANCE_TOOLS = {
  /**
   * `record({ id: string })`: a side effect, made durable by the adapter's means (a `durableTool`, or the
   * tool's own durable step): `POST /record { session, id }`; returns `"recorded <id>"`. After the side
   * effect is journaled it calls `crashPoint(CRASH_AFTER_SIDE_EFFECT)`.
   */
  record: 'record',
  /** `fail_terminal({ message: string })`: throws Restate's `TerminalError(message)`. */
  failTerminal: 'fail_terminal',
  /**
   * `slow({})`: journals `POST /event { session, event: 'slow-started' }`, then sleeps durably for an hour
   * (`ctx.sleep`) and returns `"done"`. The suite cancels the invocation while it sleeps.
   */
  slow: 'slow',
  /**
   * `approve_action({ action: string })`: needs a human: asks for approval on an awakeable and sends its id
   * with `POST /approval { session, approvalId, action }` (from `requestApproval`'s `onRequest` or the SDK's
   * approval hook); returns `"approved <action>"` or `"rejected <action>"`.
   */
  approveAction: 'approve_action',
  /** `echo({ text: string })`: returns `text` unchanged; no side effect. */
  echo: 'echo',
  /**
   * `give_up({ message: string, terminal: boolean })`: a **durable tool** (the adapter's `durableTool`, on
   * core's `durableToolStep`, default step options: 3 attempts). Every attempt, inside the step, first posts
   * `POST /attempt { session, tool: 'give_up' }`, then throws `new Error(message)` — or Restate's
   * `TerminalError(message)` when `terminal` is true. The contract: after the retries the model receives a
   * tool error naming `give_up` and the message, and the agent goes on; the terminal one ends the run.
   */
  giveUp: 'give_up',
} as const;

/** The ledger kind the `give_up` tool posts once per attempt. */
export const GIVE_UP_ATTEMPT = 'attempt';

/** The crash point the `record` tool passes after its side effect is journaled. */
export const CRASH_AFTER_SIDE_EFFECT = 'after-side-effect';

/** A JSON schema for each tool's arguments, for SDKs that want one. */
export const CONFORMANCE_TOOL_SCHEMAS: Readonly<
  Record<(typeof CONFORMANCE_TOOLS)[keyof typeof CONFORMANCE_TOOLS], object>
> = {
  record: {
    type: 'object',
    properties: { id: { type: 'string' } },
    required: ['id'],
    additionalProperties: false,
  },
  fail_terminal: {
    type: 'object',
    properties: { message: { type: 'string' } },
    required: ['message'],
    additionalProperties: false,
  },
  slow: { type: 'object', properties: {}, additionalProperties: false },
  approve_action: {
    type: 'object',
    properties: { action: { type: 'string' } },
    required: ['action'],
    additionalProperties: false,
  },
  echo: {
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
    additionalProperties: false,
  },
  give_up: {
    type: 'object',
    properties: { message: { type: 'string' }, terminal: { type: 'boolean' } },
    required: ['message', 'terminal'],
    additionalProperties: false,
  },
};
