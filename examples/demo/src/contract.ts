/**
 * What every SDK's demo service implements, so one demo runner can drive them all: a support agent that
 * looks up an order, refunds it (after a human approves) and emails the customer. Side effects and
 * timeline events go to the demo's ledger over HTTP; the refund is followed by a crash point.
 */

/** The Virtual Object the demo service serves; the key is the conversation id. */
export const DEMO_OBJECT = 'SupportAgent';
export const DEMO_HANDLER = 'run';

/** Environment of the demo service process. */
export const DEMO_ENV = {
  /** OpenAI-compatible base URL (the scripted model, or https://api.openai.com/v1). */
  openaiBaseUrl: 'DEMO_OPENAI_BASE_URL',
  openaiApiKey: 'DEMO_OPENAI_API_KEY',
  /** Anthropic-compatible base URL (the scripted model, or https://api.anthropic.com). */
  anthropicBaseUrl: 'DEMO_ANTHROPIC_BASE_URL',
  anthropicApiKey: 'DEMO_ANTHROPIC_API_KEY',
  /** Gemini API base URL (the scripted model); unset, `@google/genai` uses Google's. */
  geminiBaseUrl: 'DEMO_GEMINI_BASE_URL',
  model: 'DEMO_MODEL',
  /** Where side effects and timeline events are posted. */
  ledgerUrl: 'DEMO_LEDGER_URL',
} as const;

/** The crash point every demo service passes right after a side effect is journaled. */
export const DEMO_CRASH_POINT = 'after-side-effect';

export const DEMO_SYSTEM_PROMPT =
  'You are a support agent. Look up the order, refund it with issue_refund, then email the customer with ' +
  'send_email, then answer in one sentence.';

/** Tool names and JSON schemas. */
export const DEMO_TOOLS = {
  lookup_order: {
    description: 'Look up an order by id.',
    parameters: {
      type: 'object',
      properties: { orderId: { type: 'string' } },
      required: ['orderId'],
      additionalProperties: false,
    },
  },
  issue_refund: {
    description: 'Refund an order. Needs a human approval.',
    parameters: {
      type: 'object',
      properties: { orderId: { type: 'string' }, amount: { type: 'number' } },
      required: ['orderId', 'amount'],
      additionalProperties: false,
    },
  },
  send_email: {
    description: 'Email the customer.',
    parameters: {
      type: 'object',
      properties: { to: { type: 'string' }, subject: { type: 'string' } },
      required: ['to', 'subject'],
      additionalProperties: false,
    },
  },
} as const;

/** The order every lookup returns (the demo has one customer). */
export const DEMO_ORDER = {
  orderId: 'A-1001',
  customer: 'ada@example.com',
  total: 42,
  item: 'Durable mug',
};

/** A timeline event the service posts (`POST <ledger>/event`). */
export interface DemoEvent {
  kind: 'model' | 'tool' | 'approval';
  name: string;
  /** How long the step took when it ran; absent when its result came from the journal. */
  ms?: number;
  /** The result came from the journal: the step did not run again. */
  replayed: boolean;
}
