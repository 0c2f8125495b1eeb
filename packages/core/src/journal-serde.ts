/**
 * Rule R11: what is journaled comes back exactly as it went in, and stays small. Restate's default serde
 * is `JSON.stringify`: a `Date` comes back a string, `undefined` fields vanish, bytes become an object of
 * indices. This serde tags those values (`Date`, `Uint8Array`/`ArrayBuffer`, `URL`, `undefined`, `bigint`,
 * `Map`, `Set`, non-finite numbers, `Error`s) in plain JSON, and can drop bulky fields (raw request and
 * response bodies) by name before anything is written, so the journal grows with the answers, not the prompts.
 */
import { type Serde, TerminalError } from '@restatedev/restate-sdk';

/** The property a tagged value is written under; plain objects that use it themselves are escaped. */
const TAG = '$ra';

type Tagged =
  | { $ra: 'undefined' }
  | { $ra: 'date'; v: string }
  | { $ra: 'bytes'; v: string }
  | { $ra: 'buffer'; v: string }
  | { $ra: 'url'; v: string }
  | { $ra: 'bigint'; v: string }
  | { $ra: 'number'; v: 'NaN' | 'Infinity' | '-Infinity' }
  | { $ra: 'map'; v: unknown[] }
  | { $ra: 'set'; v: unknown[] }
  | { $ra: 'error'; v: { name: string; message: string; props: unknown } }
  | { $ra: 'object'; v: Record<string, unknown> };

/** Options of {@link createJournalSerde}. */
export interface JournalSerdeOptions {
  /**
   * Property names dropped at any depth before serialising: raw bodies, headers and debug payloads
   * (e.g. `['rawResponse', 'request']`). Dropped values come back as missing, not `undefined`.
   */
  omit?: readonly string[];
}

/** A Restate `Serde` that round-trips rich values through JSON; see the module comment. */
export function createJournalSerde<T = unknown>(options: JournalSerdeOptions = {}): Serde<T> {
  const replacer = journalReplacer(new Set(options.omit ?? []));
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    contentType: 'application/json',
    serialize(value: T): Uint8Array {
      let text: string;
      try {
        text = JSON.stringify(value, replacer);
      } catch (error) {
        if (error instanceof TypeError && /circular/i.test(error.message)) {
          throw new TypeError('Cannot journal a value with a circular reference');
        }
        throw error;
      }
      return encoder.encode(text);
    },
    deserialize(data: Uint8Array): T {
      if (data.length === 0) return undefined as T;
      return decodeValue(JSON.parse(decoder.decode(data))) as T;
    },
  };
}

/** The default journal serde: rich values kept, nothing omitted. */
export const journalSerde: Serde<unknown> = createJournalSerde();

/**
 * A tag this serde wrote (`{ $ra, v }`). Its `v` is written as it is; what `v` holds still goes through the
 * replacer, so a `Map` of `Date`s is tagged all the way down.
 */
class TagObject {
  $ra: string;
  v: unknown;
  constructor(tag: string, v: unknown) {
    this.$ra = tag;
    this.v = v;
  }
}

/** The `v` of an error's tag: name and message as they are, the error's own fields (`props`) tagged. */
class ErrorParts {
  name: string;
  message: string;
  props: Record<string, unknown>;
  constructor(error: Error) {
    this.name = error.name;
    this.message = error.message;
    this.props = { ...error };
  }
}

const UNDEFINED = { [TAG]: 'undefined' };

/**
 * The `JSON.stringify` replacer that tags what JSON cannot hold. The walk is JSON's own (native, and it
 * detects cycles); a copying walk in JavaScript before it cost twice JSON's time per model answer.
 */
function journalReplacer(omit: ReadonlySet<string>) {
  return function replacer(this: unknown, key: string, value: unknown): unknown {
    if (this instanceof TagObject || this instanceof ErrorParts) return value;
    if (omit.size > 0 && omit.has(key) && !Array.isArray(this)) return undefined;
    // What the holder has, before JSON called its `toJSON`: a `Date`, `URL`, `Buffer` or `Error` is
    // tagged from itself, not from its JSON form; any other class's `toJSON` result is tagged as it is.
    const raw = (this as Record<string, unknown>)[key];
    return tagValue(
      raw !== value && typeof raw === 'object' && raw !== null && hasOwnTag(raw) ? raw : value,
    );
  };
}

function hasOwnTag(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof URL ||
    ArrayBuffer.isView(value) ||
    value instanceof Error
  );
}

/** One value as JSON should write it: itself, or its tag. */
function tagValue(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      // JSON drops functions and symbols too; one in a journaled value is a bug in what was journaled.
      return UNDEFINED;
    case 'bigint':
      return new TagObject('bigint', value.toString());
    case 'number':
      return Number.isFinite(value) ? value : new TagObject('number', String(value));
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null || Array.isArray(value)) return value;
  if (value instanceof Date) return new TagObject('date', value.toISOString());
  if (value instanceof URL) return new TagObject('url', value.href);
  if (value instanceof Uint8Array) {
    return new TagObject('bytes', Buffer.from(value).toString('base64'));
  }
  if (value instanceof ArrayBuffer) {
    return new TagObject('buffer', Buffer.from(value).toString('base64'));
  }
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return new TagObject('bytes', Buffer.from(bytes).toString('base64'));
  }
  if (value instanceof Map) return new TagObject('map', [...value]);
  if (value instanceof Set) return new TagObject('set', [...value]);
  if (value instanceof Error) return new TagObject('error', new ErrorParts(value));

  // A plain object that uses the tag property itself is escaped, so it is not read back as a tag.
  if (Object.hasOwn(value, TAG)) return new TagObject('object', value);
  return value;
}

/**
 * Reverses the tagging. Decodes in place: `data` is what `JSON.parse` just made and nobody else holds, so
 * only tagged values are replaced and no untagged object or array is copied.
 */
export function decodeValue(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if (Array.isArray(data)) {
    for (let index = 0; index < data.length; index++) {
      const item: unknown = data[index];
      if (typeof item === 'object' && item !== null) data[index] = decodeValue(item);
    }
    return data;
  }
  const record = data as Record<string, unknown>;
  if (typeof record[TAG] === 'string') return decodeTagged(record as Tagged);
  return decodeObject(record);
}

function decodeObject(record: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === 'object' && item !== null) record[key] = decodeValue(item);
  }
  return record;
}

function decodeTagged(tagged: Tagged): unknown {
  switch (tagged.$ra) {
    case 'undefined':
      return undefined;
    case 'date':
      return new Date(tagged.v);
    case 'bytes':
      return new Uint8Array(Buffer.from(tagged.v, 'base64'));
    case 'buffer': {
      const bytes = Buffer.from(tagged.v, 'base64');
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    }
    case 'url':
      return new URL(tagged.v);
    case 'bigint':
      return BigInt(tagged.v);
    case 'number':
      return Number(tagged.v);
    case 'map':
      return new Map(tagged.v.map(decodeValue) as Array<[unknown, unknown]>);
    case 'set':
      return new Set(tagged.v.map(decodeValue));
    case 'error': {
      const error = new Error(tagged.v.message);
      Object.assign(error, decodeValue(tagged.v.props));
      Object.defineProperty(error, 'name', {
        value: tagged.v.name,
        writable: true,
        configurable: true,
      });
      return error;
    }
    case 'object':
      return decodeObject(tagged.v);
    default:
      throw new TypeError(
        `Unknown journal value tag ${JSON.stringify((tagged as { $ra: unknown }).$ra)}`,
      );
  }
}

/**
 * `value` as plain JSON data for a model to read (a tool result in the next prompt), keeping what the
 * journal serde keeps in a readable form: `bigint` as its decimal string, `Date` as ISO text, `URL` as its
 * href, bytes as base64, `Map` as an array of entries, `Set` as an array, non-finite numbers as their
 * names; `undefined` fields are dropped as `JSON.stringify` drops them. A value with a circular
 * reference cannot become JSON: it fails with a `TerminalError` naming `what`, since every retry would
 * fail the same way.
 */
export function toJsonValue(value: unknown, what = 'value'): unknown {
  try {
    return toJson(value, new Set());
  } catch (error) {
    if (error instanceof CircularValueError) {
      throw new TerminalError(
        `${what} cannot be turned into JSON: it has a circular reference. Return a plain object.`,
        { metadata: { 'restate-agents.reason': 'not-serialisable' } },
      );
    }
    throw error;
  }
}

class CircularValueError extends Error {}

function toJson(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (ancestors.has(value)) throw new CircularValueError();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return value.href;
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
  if (ArrayBuffer.isView(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJson(item, ancestors) ?? null);
    if (value instanceof Map) return [...value].map((entry) => toJson(entry, ancestors));
    if (value instanceof Set) return [...value].map((item) => toJson(item, ancestors) ?? null);
    if (value instanceof Error) return { name: value.name, message: value.message };
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJson(toJSON.call(value), ancestors);
    const plain: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = toJson(item, ancestors);
      if (converted !== undefined) plain[key] = converted;
    }
    return plain;
  } finally {
    ancestors.delete(value);
  }
}
