/**
 * What every tool result is made of: structured content for programs, a short summary for
 * people first, and the same JSON as text for clients that do not read structured content. A
 * tool error (`isError`) only when nothing was done; anything partial is a result that says so
 * first.
 */
import {
  type CallToolResult,
  type InputRequiredResult,
  isInputRequiredResult,
} from "@modelcontextprotocol/server";
import { type Caller, describeCaller } from "../auth/caller.js";
import { SUMMARY_MAX_CHARS } from "../policy.js";
import { type QStashError, type QStashErrorKind, TRANSIENT_KINDS } from "../qstash/errors.js";
import { plainOrQuoted } from "../quote.js";

export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: clip(message, SUMMARY_MAX_CHARS) }], isError: true };
}

export function structuredResult<T extends object>(summary: string, data: T): CallToolResult {
  return {
    content: [
      { type: "text", text: clip(summary, SUMMARY_MAX_CHARS) },
      { type: "text", text: JSON.stringify(data) },
    ],
    structuredContent: data as Record<string, unknown>,
  };
}

/** All text a client shows the model: what the size bound counts. */
export function textChars(result: CallToolResult): number {
  let chars = 0;
  for (const part of result.content) if (part.type === "text") chars += part.text.length;
  return chars;
}

/** Characters a value takes as JSON in a result. */
export function jsonChars(value: unknown): number {
  return JSON.stringify(value).length;
}

/** The longest prefix of `items` whose JSON fits in `room` characters. */
export function fitting<T>(items: readonly T[], room: number): T[] {
  let used = 2;
  const taken: T[] = [];
  for (const item of items) {
    const chars = JSON.stringify(item).length + 1;
    if (used + chars > room) break;
    used += chars;
    taken.push(item);
  }
  return taken;
}

/** Cut to at most `max` characters, never inside a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A QStash error as a result reports it. */
export interface ErrorInfo {
  kind: string;
  message: string;
  status?: number;
  retryAfterSeconds?: number;
}

export function errorInfo(error: QStashError): ErrorInfo {
  return {
    kind: error.kind,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: Math.ceil(error.retryAfterSeconds) }),
  };
}

export function isRetryable(kind: string | undefined): boolean {
  return kind !== undefined && TRANSIENT_KINDS.has(kind as QStashErrorKind);
}

/** Cursors are long; the summary names them only when short, the structured result always has them. */
export function cursorHint(cursor: string | undefined, what: string): string {
  if (!cursor) return "";
  return cursor.length <= 400
    ? ` ${what}: call again with the same selection and cursor "${cursor}".`
    : ` ${what}: call again with the same selection and the cursor in the result.`;
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** A few ids for a summary: ids come from callers and from QStash, so an odd one is quoted. */
export function preview(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).map((id) => plainOrQuoted(id, 64));
  return ids.length <= 5 ? shown.join(", ") : `${shown.join(", ")} and ${ids.length - 5} more`;
}

/**
 * A change's result, saying who asked for it: `requestedBy` in its structured content (and the
 * JSON beside it), a sentence after its summary. A tool error gets the sentence only.
 */
export function attributed(
  result: CallToolResult | InputRequiredResult,
  caller: Caller,
): CallToolResult | InputRequiredResult {
  // A question still out to the user changed nothing yet; its answer's call will say who.
  if (isInputRequiredResult(result)) return result;
  const said = `Requested by ${describeCaller(caller)}.`;
  const [summary, ...rest] = result.content;
  const data = result.structuredContent;
  const withCaller = data === undefined ? undefined : { ...data, requestedBy: caller };
  const json = rest.map((part) =>
    withCaller !== undefined && part.type === "text" && part.text === JSON.stringify(data)
      ? { ...part, text: JSON.stringify(withCaller) }
      : part,
  );
  // After the summary where it fits; otherwise on its own, last, so nothing the summary says is cut.
  const fits = summary?.type === "text" && summary.text.length + said.length + 1 <= SUMMARY_MAX_CHARS;
  const content =
    summary?.type === "text" && fits
      ? [{ ...summary, text: `${summary.text} ${said}` }, ...json]
      : [...(summary ? [summary] : []), ...json, { type: "text" as const, text: said }];
  return { ...result, content, ...(withCaller === undefined ? {} : { structuredContent: withCaller }) };
}
