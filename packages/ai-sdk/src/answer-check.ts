/**
 * Structured output checked inside the model step. `generateObject` and `Output.object` parse the model's
 * answer after the model call returns, outside the step: an answer that does not parse would be journaled
 * as a success and fail the same way on every replay. Checked inside the step, it is core's
 * `InvalidModelAnswerError` instead — retried with the step's cap (a model often answers well the second
 * time), then a terminal error naming the step — and only an answer that parses is journaled.
 */
import type { LanguageModelV4Content, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { InvalidModelAnswerError } from '@restate-agents/core';
import { NoObjectGeneratedError, Output } from 'ai';

/** What the check reads of one model answer, from `doGenerate`'s result or a collected stream. */
export interface ModelAnswer {
  /** The structured output text (`structuredOutputText`), else the text parts joined; undefined if none. */
  text: string | undefined;
  hasToolCalls: boolean;
  finishReason: string;
}

/** Throws `InvalidModelAnswerError` for an answer the call's output cannot be parsed from. */
export type AnswerCheck = (answer: ModelAnswer) => Promise<void>;

/** The part of an `Output` specification the check uses: the SDK's own parser. */
interface OutputParser {
  parseCompleteOutput(options: { text: string }, context: object): Promise<unknown>;
}

/**
 * The check for `generateText`/`streamText` with `output`: the SDK parses the last step's text when that
 * step ends the loop (`stop`, or text without tool calls), so a step with tool calls is not checked.
 */
export function outputCheck(output: OutputParser): AnswerCheck {
  return async ({ text, hasToolCalls, finishReason }) => {
    if (hasToolCalls) return;
    if (finishReason !== 'stop' && (text ?? '').length === 0) return;
    await parseOrThrow(output, text ?? '', finishReason);
  };
}

/** `generateObject`'s settings the check reads: its output mode maps onto the `Output` with the same parser. */
export interface ObjectSettings {
  output?: unknown;
  schema?: unknown;
  enum?: unknown;
  repairText?: unknown;
  experimental_repairText?: unknown;
}

type RepairText = (options: { text: string; error: unknown }) => Promise<string | null>;

/** The check for `generateObject`: the same parse as its `object`/`array`/`enum`/`no-schema` modes, repair included. */
export function objectCheck(settings: ObjectSettings): AnswerCheck | undefined {
  const parser = objectParser(settings);
  if (!parser) return undefined;
  const repair = (settings.repairText ?? settings.experimental_repairText) as
    | RepairText
    | undefined;
  return async ({ text, finishReason }) => {
    if (text === undefined) {
      throw new InvalidModelAnswerError('it has no text to parse the object from');
    }
    try {
      await parseOrThrow(parser, text, finishReason);
    } catch (error) {
      // generateObject calls repairText on a parse failure; an answer it repairs is usable.
      const repaired = repair ? await repair({ text, error: noObjectCause(error) }) : null;
      if (repaired === null || repaired === undefined) throw error;
      await parseOrThrow(parser, repaired, finishReason);
    }
  };
}

function objectParser(settings: ObjectSettings): OutputParser | undefined {
  const schema = settings.schema as Parameters<typeof Output.object>[0]['schema'];
  switch (settings.output ?? 'object') {
    case 'object':
      return schema === undefined ? undefined : Output.object({ schema });
    case 'array':
      return schema === undefined ? undefined : Output.array({ element: schema });
    case 'enum':
      return Array.isArray(settings.enum)
        ? Output.choice({ options: settings.enum as string[] })
        : undefined;
    case 'no-schema':
      return Output.json();
    default:
      return undefined;
  }
}

async function parseOrThrow(parser: OutputParser, text: string, finishReason: string) {
  try {
    await parser.parseCompleteOutput({ text }, { finishReason });
  } catch (error) {
    if (!NoObjectGeneratedError.isInstance(error)) throw error;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const error_ = new InvalidModelAnswerError(
      `the structured output cannot be read from it (${error.message}${cause}); the answer began ${JSON.stringify(text.slice(0, 80))}`,
    );
    (error_ as { cause?: unknown }).cause = error;
    throw error_;
  }
}

/** The SDK hands `repairText` the `JSONParseError`/`TypeValidationError`, not the wrapper. */
function noObjectCause(error: unknown): unknown {
  const wrapped = (error as { cause?: unknown }).cause;
  return NoObjectGeneratedError.isInstance(wrapped) ? (wrapped.cause ?? wrapped) : error;
}

/** The answer of one `doGenerate` call. */
export function generatedAnswer(result: {
  content: readonly LanguageModelV4Content[];
  structuredOutputText?: string;
  finishReason: { unified: string };
}): ModelAnswer {
  const texts = result.content.filter((part) => part.type === 'text');
  return {
    text:
      result.structuredOutputText ??
      (texts.length === 0 ? undefined : texts.map((part) => part.text).join('')),
    hasToolCalls: result.content.some((part) => part.type === 'tool-call'),
    finishReason: result.finishReason.unified,
  };
}

/** The answer of one collected `doStream` call. */
export function streamedAnswer(parts: readonly LanguageModelV4StreamPart[]): ModelAnswer {
  let text: string | undefined;
  let hasToolCalls = false;
  let finishReason = 'other';
  for (const part of parts) {
    if (part.type === 'text-delta') text = (text ?? '') + part.delta;
    else if (part.type === 'tool-call') hasToolCalls = true;
    else if (part.type === 'finish') finishReason = part.finishReason.unified;
  }
  return { text, hasToolCalls, finishReason };
}
