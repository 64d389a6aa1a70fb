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

const listBody = z.object({
  messages: z.array(z.looseObject({ dlqId: z.string() })).nullish(),
  cursor: z.string().nullish(),
});

/**
 * The list an answer carries under `name`: absent or `null` is empty when every other field is one
 * the answer has (`known`); undefined when the body is not an object, the list is no array, or the
 * body carries fields of some other answer.
 */
function listIn(body: unknown, name: string, known: readonly string[]): unknown[] | undefined {
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
  const messages = ((parsed.data.messages ?? []) as unknown as DlqMessage[]).map(withRunTime);
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

/** A run from the logs, as far as this server reads it. */
export interface LoggedRun {
  workflowRunId: string;
  workflowRunCreatedAt?: number;
  workflowRunCompletedAt?: number;
  workflowState: string;
  dlqId?: string;
  /** The step that failed, when the run failed. */
  failedStep?: { name?: string; type?: string; url?: string; status?: number };
  /** Every step the run reached, once each, in order, with the state of its last record. */
  steps: { name?: string; type?: string; state?: string }[];
  /** The failed step's attempts, oldest first: each retried one, then the one that failed. */
  attempts: LoggedAttempt[];
  failureFunction?: { state?: string; url?: string; status?: number; body?: string };
}

export interface LoggedAttempt {
  state?: string;
  status?: number;
  /** As much of the response body as the request asked for (`trimBody`). */
  body?: string;
  /** QStash's own account of the failure, when it gives one. */
  error?: string;
  at?: number;
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** Drops the keys whose value is undefined, so a result never lists empty fields. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** A step's failed attempts as its `errors` list them: `{error, body, status, time}` each. */
function attemptsOf(errors: unknown, state: string | undefined): LoggedAttempt[] {
  if (!Array.isArray(errors)) return [];
  const listed = errors.map(record).filter((error) => error !== undefined);
  // Oldest first, whatever order they came in: the last one is the attempt that gave the step its state.
  if (listed.every((error) => number(error.time) !== undefined)) {
    listed.sort((a, b) => (a.time as number) - (b.time as number));
  }
  return listed.map((error, index) =>
    defined({
      state: index === listed.length - 1 ? state : "STEP_RETRY",
      status: number(error.status),
      body: typeof error.body === "string" ? error.body : undefined,
      error: text(error.error),
      at: number(error.time),
    }),
  );
}

/**
 * `{runs, cursor}`: each run's state and steps, and for a failed one its failed step, that step's
 * attempts and the failure function. The step a run is on sits in the `next` group with its
 * attempts under `errors`, as the official client reads it; a log that instead records each
 * attempt as a step of its own (`STEP_RETRY` … `STEP_FAILED`, one stepId) is read too.
 */
export function parseLogsBody(body: unknown, where: string): { runs: LoggedRun[]; cursor?: string } {
  // No run matched: QStash leaves the empty list, and the last page's cursor, out.
  const runs = listIn(body, "runs", ["cursor"]);
  if (runs === undefined) throw shapeError(where);
  const parsed: LoggedRun[] = [];
  for (const raw of runs as Record<string, unknown>[]) {
    if (typeof raw?.workflowRunId !== "string" || typeof raw.workflowState !== "string")
      throw shapeError(where);
    const groups = (Array.isArray(raw.steps) ? raw.steps : [])
      .map(record)
      .filter((group) => group !== undefined);
    const done: Record<string, unknown>[] = [];
    const next: Record<string, unknown>[] = [];
    for (const group of groups) {
      const steps = (Array.isArray(group.steps) ? group.steps : [])
        .map(record)
        .filter((step) => step !== undefined);
      (group.type === "next" ? next : done).push(...steps);
    }
    // Records of one step share its stepId (or, lacking one, its message or name).
    const identity = (step: Record<string, unknown>, index: number) =>
      number(step.stepId) !== undefined
        ? `id:${step.stepId}`
        : text(step.messageId)
          ? `msg:${step.messageId}`
          : text(step.stepName)
            ? `name:${step.stepName}`
            : `at:${index}`;
    const steps = new Map<string, LoggedRun["steps"][number]>();
    [...done, ...next].forEach((step, index) => {
      steps.set(
        identity(step, index),
        defined({ name: text(step.stepName), type: text(step.stepType), state: text(step.state) }),
      );
    });
    const failing = next.findLast((step) => step.state === "STEP_FAILED" || step.state === "STEP_RETRY");
    const failedRecord = done.findLast((step) => step.state === "STEP_FAILED");
    let attempts: LoggedAttempt[] = [];
    let failedStep: LoggedRun["failedStep"];
    if (failing) {
      attempts = attemptsOf(failing.errors, text(failing.state));
      failedStep = defined({
        name: text(failing.stepName),
        type: text(failing.stepType),
        url: text(failing.callUrl),
        status: attempts.at(-1)?.status,
      });
    } else if (failedRecord) {
      const key = identity(failedRecord, done.indexOf(failedRecord));
      attempts = done
        .filter(
          (step, index) =>
            identity(step, index) === key && (step.state === "STEP_RETRY" || step.state === "STEP_FAILED"),
        )
        .map((step) =>
          defined({
            state: text(step.state),
            status: number(step.callResponseStatus),
            body: typeof step.callResponseBody === "string" ? step.callResponseBody : undefined,
            at: number(step.createdAt),
          }),
        );
      failedStep = defined({
        name: text(failedRecord.stepName),
        type: text(failedRecord.stepType),
        url: text(failedRecord.callUrl),
        status: number(failedRecord.callResponseStatus),
      });
    }
    const run: LoggedRun = defined({
      workflowRunId: raw.workflowRunId,
      workflowState: raw.workflowState,
      workflowRunCreatedAt: unixMs(raw.workflowRunCreatedAt),
      workflowRunCompletedAt: unixMs(raw.workflowRunCompletedAt),
      dlqId: text(raw.dlqId),
      steps: [...steps.values()],
      attempts,
      failedStep: raw.workflowState === "RUN_FAILED" || failedRecord ? failedStep : undefined,
    });
    const callback = record(raw.failureFunction);
    if (callback) {
      const tries = attemptsOf(callback.errors, text(callback.state));
      // Its errors say how a callback failed; a callback that then succeeded answered otherwise.
      const failedTry = text(callback.state) === "CALLBACK_FAIL" ? tries.at(-1) : undefined;
      run.failureFunction = defined({
        state: text(callback.state),
        url: text(callback.url),
        status: number(callback.responseStatus) ?? failedTry?.status,
        body: typeof callback.responseBody === "string" ? callback.responseBody : failedTry?.body,
      });
    }
    parsed.push(run);
  }
  const cursor = (body as { cursor?: unknown }).cursor;
  return typeof cursor === "string" && cursor !== "" ? { runs: parsed, cursor } : { runs: parsed };
}

/**
 * A flow-control key as this server reports it, whichever of QStash's spellings came back. QStash
 * leaves zero counts and false flags out (qstash-js commit 0a003f6: "the server omits
 * parallelismCount when it's 0"; qstash-py's `parse_flow_control_info` defaults every field,
 * `waitListSize` included, to 0 or false), so a drained key may come back as its name alone: each
 * absent count is 0 and each absent flag false, as those clients read them.
 */
export interface FlowKeyInfo {
  key: string;
  waitlistSize: number;
  /**
   * Undefined: no parallelism limit. The official clients read an unset limit as 0 (qstash-js
   * types every limit as a number; qstash-py defaults it to 0), and a limit of 0 would let
   * nothing through, so 0 is read as "no limit", never as a limit.
   */
  parallelismMax?: number;
  parallelismCount: number;
  /** Undefined: no rate limit, as for `parallelismMax`. */
  rateMax?: number;
  rateCount: number;
  /** Seconds; undefined when QStash gave none (or 0). */
  ratePeriod?: number;
  isPaused: boolean;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
}

export function parseFlowKey(body: unknown, where: string): FlowKeyInfo {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw shapeError(where);
  const value = body as Record<string, unknown>;
  const key = value.flowControlKey;
  // The OpenAPI spells it waitlistSize, the clients and QStash's REST pages waitListSize.
  const waiting = value.waitlistSize ?? value.waitListSize ?? 0;
  if (typeof key !== "string" || key === "" || typeof waiting !== "number") throw shapeError(where);
  // A field of another type is read as absent: this is a status read, and one odd field should
  // not hide the waitlist, the figure a redrive is watched by.
  const count = (name: string) => (typeof value[name] === "number" ? (value[name] as number) : 0);
  const limit = (name: string) => (count(name) > 0 ? count(name) : undefined);
  const flag = (name: string) => value[name] === true;
  const info: FlowKeyInfo = {
    key,
    waitlistSize: waiting,
    parallelismCount: count("parallelismCount"),
    rateCount: count("rateCount"),
    isPaused: flag("isPaused"),
    isPinnedParallelism: flag("isPinnedParallelism"),
    isPinnedRate: flag("isPinnedRate"),
  };
  const parallelismMax = limit("parallelismMax");
  const rateMax = limit("rateMax");
  const ratePeriod = limit("ratePeriod");
  if (parallelismMax !== undefined) info.parallelismMax = parallelismMax;
  if (rateMax !== undefined) info.rateMax = rateMax;
  if (ratePeriod !== undefined) info.ratePeriod = ratePeriod;
  return info;
}

/**
 * The key list: an array (the OpenAPI), or `{flowControls: [...]}` as QStash's earlier REST pages
 * show it. No keys at all may come as `null` (how an encoder such as Go's writes a list it was
 * never given) or with the list left out.
 */
export function parseFlowKeys(body: unknown, where: string): FlowKeyInfo[] {
  const list = Array.isArray(body) || body === null ? (body ?? []) : listIn(body, "flowControls", []);
  if (list === undefined) throw shapeError(where);
  return list.map((item) => parseFlowKey(item, where));
}

export function parseMessageBody(body: unknown, where: string): DlqMessage {
  const parsed = z.looseObject({ dlqId: z.string() }).safeParse(body);
  if (!parsed.success) throw shapeError(where);
  return withRunTime(parsed.data as unknown as DlqMessage);
}

function shapeError(where: string): QStashError {
  return new QStashError(
    "protocol",
    `QStash answered ${where} with a body of an unexpected shape; the request may have been processed.`,
  );
}
