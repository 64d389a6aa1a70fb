/**
 * Scrubs secrets out of anything that leaves the process: tool results, errors, log lines and
 * journal lines. The process-wide one knows the QStash token; a signed-in caller's call adds that
 * caller's access token (see `including`). Every form a secret can travel in is replaced, before
 * any text is cut short, so no prefix of it survives a truncation either.
 */

export const REDACTED = "[redacted]";

/** Shorter secrets would match ordinary text; a real token is far longer. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  /** One alternation of every form, longest first so a longer form wins where two start together. */
  private readonly pattern: RegExp | undefined;
  /** Strings shorter than this cannot hold any form: they skip the regular expression. */
  private readonly shortest: number;

  /** The secrets themselves, so that `including` can add more. */
  private readonly secrets: readonly string[];

  constructor(secret: string | readonly string[] | undefined) {
    const secrets = typeof secret === "string" ? [secret] : (secret ?? []);
    this.secrets = secrets.filter((one) => one.length >= MIN_SECRET_LENGTH);
    const forms = [...new Set(this.secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
    this.shortest = forms.reduce((min, form) => Math.min(min, form.length), Number.POSITIVE_INFINITY);
    this.pattern = forms.length > 0 ? new RegExp(forms.map(patternOf).join("|"), "g") : undefined;
  }

  /** A redactor that scrubs these secrets too (a caller's access token and its signature). */
  including(more: readonly string[]): Redactor {
    return new Redactor([...this.secrets, ...more]);
  }

  /** The text with every form of the secret replaced. */
  text(value: string): string {
    if (this.pattern === undefined || value.length < this.shortest) return value;
    return value.replace(this.pattern, REDACTED);
  }

  /** A JSON-like value with every string scrubbed (a new value when anything changed). */
  deep<T>(value: T): T {
    if (this.pattern === undefined) return value;
    if (typeof value === "string") return this.text(value) as T;
    if (!isWalkable(value)) return value;
    return this.walk(value) as T;
  }

  /**
   * Depth-first with an explicit stack: a parsed body can nest deeper than the call stack goes.
   * A container is copied only from its first changed member on; untouched ones are shared.
   */
  private walk(root: object): object {
    const stack = [frameOf(root)];
    let result: object = root;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      if (frame.index < frame.length) {
        const index = frame.index++;
        const child = frame.keys
          ? (frame.source as Record<string, unknown>)[frame.keys[index] as string]
          : (frame.source as unknown[])[index];
        if (isWalkable(child)) stack.push(frameOf(child));
        else this.settle(frame, index, child, typeof child === "string" ? this.text(child) : child);
        continue;
      }
      stack.pop();
      const done = frame.copy ?? frame.source;
      const parent = stack[stack.length - 1];
      if (parent === undefined) result = done;
      else this.settle(parent, parent.index - 1, frame.source, done);
    }
    return result;
  }

  private settle(frame: Frame, index: number, before: unknown, after: unknown): void {
    const { keys, source } = frame;
    if (keys === undefined) {
      if (frame.copy === undefined) {
        if (after === before) return;
        frame.copy = (source as unknown[]).slice(0, index);
      }
      (frame.copy as unknown[])[index] = after;
      return;
    }
    const key = keys[index] as string;
    const newKey = this.text(key);
    if (frame.copy === undefined) {
      if (after === before && newKey === key) return;
      const copy = Object.create(Object.getPrototypeOf(source) as object | null) as object;
      for (let earlier = 0; earlier < index; earlier++) {
        const name = keys[earlier] as string;
        setOwn(copy, name, (source as Record<string, unknown>)[name]);
      }
      frame.copy = copy;
    }
    setOwn(frame.copy, newKey, after);
  }
}

export const NO_SECRET = new Redactor(undefined);

interface Frame {
  source: object;
  /** An object's own keys; undefined for an array. */
  keys: string[] | undefined;
  length: number;
  index: number;
  copy: object | undefined;
}

function frameOf(source: object): Frame {
  const keys = Array.isArray(source) ? undefined : Object.keys(source);
  const length = keys ? keys.length : (source as unknown[]).length;
  return { source, keys, length, index: 0, copy: undefined };
}

/** Arrays and plain objects, as JSON.parse makes them; anything else is left as it is. */
function isWalkable(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Assignment would set the prototype for a "__proto__" member, which JSON.parse makes an own one. */
function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The secret as it can appear in a text: raw, base64 and base64url, and each of those as JSON
 * and URL encoders write it. A base64 text that merely contains the secret encodes it in one of
 * three alignments, so each alignment's whole groups are a form of their own.
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const bases = [secret, bytes.toString("base64"), bytes.toString("base64url")];
  for (let skip = 0; skip < 3; skip++) {
    const whole = Math.floor((bytes.length - skip) / 3) * 3;
    if (whole <= 0) continue;
    const core = bytes.subarray(skip, skip + whole);
    bases.push(core.toString("base64"), core.toString("base64url"));
  }
  const forms = new Set<string>();
  for (const base of bases) {
    const json = JSON.stringify(base).slice(1, -1);
    forms.add(base);
    forms.add(json);
    forms.add(json.replaceAll("/", "\\/"));
    // Encoders that keep to ASCII write \uXXXX for everything else.
    forms.add(
      json.replace(/[^\x20-\x7e]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`),
    );
    forms.add(new URLSearchParams([["", base]]).toString().slice(1));
    try {
      forms.add(encodeURIComponent(base));
    } catch {
      // A lone surrogate has no URL encoding, so the secret cannot travel as one.
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** A form as a regular expression; the hex digits of its escapes match in either case. */
function patternOf(form: string): string {
  return form
    .replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
    .replace(/%[0-9A-Fa-f]{2}|\\\\u[0-9A-Fa-f]{4}/g, (sequence) =>
      sequence.replace(/[A-Fa-f]/g, (digit) => `[${digit.toLowerCase()}${digit.toUpperCase()}]`),
    );
}
