/**
 * Shapes of QStash response bodies, checked before use: a body of the wrong shape is a protocol
 * failure with an unknown outcome, never a silent empty page.
 *
 * QStash leaves empty values out of its answers (a zero count, a false flag, an empty list: see
 * docs/qstash-uncertain.md), so a list that is absent or `null` reads as empty and a count as 0,
 * as the official clients default them. That reading is safe only while nothing else in the body
 * says it is another answer: a body whose list is missing and that carries fields this answer
 * does not have (`{"runs": 5}` to a resume, an `actionId` of some future asynchronous form) is
 * still a protocol failure, since reading it as "nothing done" could hide what was done.
 */

import { z } from "zod";
import type { DlqMessage, ListResponse } from "../wire/types.js";
import { QStashError } from "./errors.js";

/**
 * A DLQ message as far as this server checks it: an object with a string `dlqId`. The other fields
 * are QStash's, all optional in the wire type but `createdAt`, and are carried as they came.
 */
const dlqMessage = z.custom<DlqMessage>(
  (value) => typeof value === "object" && value !== null && typeof Reflect.get(value, "dlqId") === "string",
);

const listBody = z.object({
  messages: z.array(dlqMessage).nullish(),
  cursor: z.string().nullish(),
});

/**
 * The list an answer carries under `name`: absent or `null` is empty when every other field is one
 * the answer has (`known`); undefined when the body is not an object, the list is no array, or the
 * body carries fields of some other answer.
 */
export function listIn(body: unknown, name: string, known: readonly string[]): unknown[] | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (Array.isArray(value)) return value;
  if (value !== undefined && value !== null) return undefined;
  return Object.keys(body).every((key) => key === name || known.includes(key)) ? [] : undefined;
}

/**
 * A run's creation time as Unix milliseconds. The Workflow OpenAPI types `workflowCreatedAt` as
 * int64, `@upstash/workflow` 1.3 types it as a string (`DLQResumeRestartResponse`), and that
 * client's own tests (upstash/workflow-js src/client/dlq.test.ts) answer with ISO dates such as
 * "2023-01-01T00:00:00Z". All three are read, so a run is never dropped for its time's type: a
 * run without a readable time cannot be named to the logs (`workflowRuns=ID@TS`).
 */
export function unixMs(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const ms = Number(text);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // Only an ISO 8601 date: Date.parse reads much else, differently from one runtime to another.
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}

/** A DLQ message with its run's creation time as a number, or without it when it cannot be read. */
function withRunTime(message: DlqMessage): DlqMessage {
  const raw = (message as { workflowCreatedAt?: unknown }).workflowCreatedAt;
  if (raw === undefined || typeof raw === "number") return message;
  const { workflowCreatedAt: _, ...rest } = message;
  const ms = unixMs(raw);
  return ms === undefined ? rest : { ...rest, workflowCreatedAt: ms };
}

/** A resumed run as far as the answer names it; the creation time may be missing or unreadable. */
export interface StartedRun {
  /** The DLQ entry this run was, when the answer tells (a request that named one id). */
  dlqId?: string;
  workflowRunId: string;
  workflowCreatedAt?: number;
}

export interface ParsedResume {
  workflowRuns: StartedRun[];
  /** A delete's answer: how many entries it removed (it names none). */
  deleted?: number;
  cursor?: string;
  /** Entries of workflowRuns that name no run: each may be a run resumed without a readable id. */
  unreadableRuns: number;
  /** Something other than the run list is wrong (the cursor): the runs are kept, paging must stop. */
  problem?: QStashError;
}

/**
 * The run list is kept whenever it can be read: discarding a page because one field is odd would
 * drop the ids of runs that were resumed.
 */
export function parseResumeBody(body: unknown, where: string): ParsedResume {
  // `{}` is a page that resumed nothing: QStash leaves the empty list out.
  const runs = listIn(body, "workflowRuns", ["cursor"]);
  if (runs === undefined) throw shapeError(where);
  const parsed: ParsedResume = { workflowRuns: [], unreadableRuns: 0 };
  for (const run of runs) {
    const id = (run as { workflowRunId?: unknown } | null)?.workflowRunId;
    if (typeof id !== "string" || id === "") {
      parsed.unreadableRuns += 1;
      continue;
    }
    const createdAt = unixMs((run as { workflowCreatedAt?: unknown }).workflowCreatedAt);
    parsed.workflowRuns.push(
      createdAt === undefined ? { workflowRunId: id } : { workflowRunId: id, workflowCreatedAt: createdAt },
    );
  }
  const cursor = (body as { cursor?: unknown }).cursor;
  // The official client treats an empty cursor like a missing one (`normalizeCursor`, which maps
  // "" to undefined): the job is done. Upstash's published bulk resume example ends with "".
  if (typeof cursor === "string" && cursor !== "") parsed.cursor = cursor;
  else if (cursor !== undefined && cursor !== null && cursor !== "") {
    parsed.problem = new QStashError(
      "protocol",
      `QStash answered ${where} with runs but a cursor that is not a string; the runs it named are reported, paging stopped.`,
    );
  }
  if (parsed.unreadableRuns > 0) {
    // Going on would resume page after page that nobody could report.
    parsed.problem ??= new QStashError(
      "protocol",
      `QStash answered ${where} with ${parsed.unreadableRuns} run(s) whose id could not be read; the readable ones are reported, paging stopped.`,
    );
  }
  return parsed;
}

/**
 * `{deleted, cursor}`: a count that is not a whole number leaves the outcome unknown.
 *
 * An absent or `null` count is 0, the value QStash leaves out. `@upstash/workflow` types `deleted`
 * as always present, so this is a guess, and it is made only where it cannot hide a deletion: this
 * server deletes by ids, and a count short of the ids asked (0 included) cannot say which of them
 * went, so each is reported as probably deleted, none as surely deleted, none as not found. A
 * body with fields a delete answer does not have is not read as a count at all.
 */
export function parseDeleteBody(body: unknown, where: string): ParsedResume {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw shapeError(where);
  const raw = (body as { deleted?: unknown }).deleted;
  const omitted = raw === undefined || raw === null;
  if (omitted && !Object.keys(body).every((key) => key === "deleted" || key === "cursor")) {
    throw shapeError(where);
  }
  const deleted = omitted ? 0 : raw;
  if (typeof deleted !== "number" || !Number.isInteger(deleted) || deleted < 0) throw shapeError(where);
  const parsed: ParsedResume = { workflowRuns: [], deleted, unreadableRuns: 0 };
  const cursor = (body as { cursor?: unknown }).cursor;
  if (typeof cursor === "string" && cursor !== "") parsed.cursor = cursor;
  return parsed;
}

/** `{messages, cursor}`; an empty cursor, as on the last page, is no cursor. */
export function parseListBody(body: unknown, where: string): ListResponse {
  const parsed = listBody.safeParse(body);
  if (!parsed.success || listIn(body, "messages", ["cursor"]) === undefined) throw shapeError(where);
  const messages = (parsed.data.messages ?? []).map(withRunTime);
  return parsed.data.cursor ? { messages, cursor: parsed.data.cursor } : { messages };
}

/** The run whose failure callback a retry started again; its creation time may be unreadable. */
export function parseCallbackBody(body: unknown, where: string): StartedRun {
  const id = (body as { workflowRunId?: unknown } | null)?.workflowRunId;
  if (typeof id !== "string" || id === "") throw shapeError(where);
  const createdAt = unixMs((body as { workflowCreatedAt?: unknown }).workflowCreatedAt);
  return createdAt === undefined
    ? { workflowRunId: id }
    : { workflowRunId: id, workflowCreatedAt: createdAt };
}
export function parseMessageBody(body: unknown, where: string): DlqMessage {
  const parsed = dlqMessage.safeParse(body);
  if (!parsed.success) throw shapeError(where);
  return withRunTime(parsed.data);
}

export function shapeError(where: string): QStashError {
  return new QStashError(
    "protocol",
    `QStash answered ${where} with a body of an unexpected shape; the request may have been processed.`,
  );
}
