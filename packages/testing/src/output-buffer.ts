/**
 * Keeps the last `limit` characters of a child process's stdout and stderr, interleaved as they
 * arrive, so a long test run cannot grow memory without bound and failures can show the tail.
 */
export class OutputBuffer {
  readonly #limit: number;
  #text = '';

  constructor(limit: number = 1024 * 1024) {
    this.#limit = limit;
  }

  append(chunk: string | Uint8Array): void {
    this.#text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (this.#text.length > this.#limit) this.#text = this.#text.slice(-this.#limit);
  }

  text(): string {
    return this.#text;
  }

  /** The last `lines` lines, for error messages. */
  tail(lines: number = 40): string {
    return this.#text.split('\n').slice(-lines).join('\n');
  }
}
