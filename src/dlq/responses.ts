/**
 * Shapes of QStash response bodies, checked before use: a body of the wrong shape is a protocol
 * failure with an unknown outcome, never a silent empty page.
 */
import { z } from "zod";
import { QStashError } from "../qstash/errors.js";
import type { DlqMessage, ListResponse } from "../wire/types.js";

const listBody = z.object({
  messages: z.array(z.looseObject({ dlqId: z.string() })),
  cursor: z.string().nullish(),
});

/** A resumed run as far as the answer names it; the creation time may be missing or unreadable. */
export interface ResumedRun {
  /** The DLQ entry this run was, when the answer tells (a request that named one id). */
  dlqId?: string;
  workflowRunId: string;
  workflowCreatedAt?: number;
}

export interface ParsedResume {
  workflowRuns: ResumedRun[];
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
  const runs = (body as { workflowRuns?: unknown } | null)?.workflowRuns;
  if (typeof body !== "object" || body === null || !Array.isArray(runs)) throw shapeError(where);
  const parsed: ParsedResume = { workflowRuns: [], unreadableRuns: 0 };
  for (const run of runs as unknown[]) {
    const id = (run as { workflowRunId?: unknown } | null)?.workflowRunId;
    if (typeof id !== "string" || id === "") {
      parsed.unreadableRuns += 1;
      continue;
    }
    const createdAt = (run as { workflowCreatedAt?: unknown }).workflowCreatedAt;
    parsed.workflowRuns.push(
      typeof createdAt === "number" && Number.isFinite(createdAt)
        ? { workflowRunId: id, workflowCreatedAt: createdAt }
        : { workflowRunId: id },
    );
  }
  const cursor = (body as { cursor?: unknown }).cursor;
  // The official client treats an empty cursor like a missing one: the job is done.
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

/** `{deleted, cursor}`: a count that is not a whole number leaves the outcome unknown. */
export function parseDeleteBody(body: unknown, where: string): ParsedResume {
  const deleted = (body as { deleted?: unknown } | null)?.deleted;
  if (typeof deleted !== "number" || !Number.isInteger(deleted) || deleted < 0) throw shapeError(where);
  const parsed: ParsedResume = { workflowRuns: [], deleted, unreadableRuns: 0 };
  const cursor = (body as { cursor?: unknown }).cursor;
  if (typeof cursor === "string" && cursor !== "") parsed.cursor = cursor;
  return parsed;
}

export function parseListBody(body: unknown, where: string): ListResponse {
  const parsed = listBody.safeParse(body);
  if (!parsed.success) throw shapeError(where);
  const messages = parsed.data.messages as unknown as DlqMessage[];
  return parsed.data.cursor ? { messages, cursor: parsed.data.cursor } : { messages };
}

/** The run whose failure callback a retry started again; its creation time may be unreadable. */
export function parseCallbackBody(body: unknown, where: string): ResumedRun {
  const id = (body as { workflowRunId?: unknown } | null)?.workflowRunId;
  if (typeof id !== "string" || id === "") throw shapeError(where);
  const createdAt = (body as { workflowCreatedAt?: unknown }).workflowCreatedAt;
  return typeof createdAt === "number" && Number.isFinite(createdAt)
    ? { workflowRunId: id, workflowCreatedAt: createdAt }
    : { workflowRunId: id };
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
  const runs = (body as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) throw shapeError(where);
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
      workflowRunCreatedAt: number(raw.workflowRunCreatedAt),
      workflowRunCompletedAt: number(raw.workflowRunCompletedAt),
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

/** A flow-control key as this server reports it, whichever of QStash's spellings came back. */
export interface FlowKeyInfo {
  key: string;
  waitlistSize: number;
  parallelismMax?: number;
  parallelismCount?: number;
  rateMax?: number;
  rateCount?: number;
  /** Seconds. */
  ratePeriod?: number;
  isPaused?: boolean;
  isPinnedParallelism?: boolean;
  isPinnedRate?: boolean;
}

export function parseFlowKey(body: unknown, where: string): FlowKeyInfo {
  const value = (body ?? {}) as Record<string, unknown>;
  const key = value.flowControlKey;
  const waiting = value.waitlistSize ?? value.waitListSize;
  if (typeof key !== "string" || typeof waiting !== "number") throw shapeError(where);
  const info: FlowKeyInfo = { key, waitlistSize: waiting };
  for (const name of ["parallelismMax", "parallelismCount", "rateMax", "rateCount", "ratePeriod"] as const) {
    if (typeof value[name] === "number") info[name] = value[name] as number;
  }
  for (const name of ["isPaused", "isPinnedParallelism", "isPinnedRate"] as const) {
    if (typeof value[name] === "boolean") info[name] = value[name] as boolean;
  }
  return info;
}

/** The key list: an array, or `{flowControls: [...]}` as some of QStash's pages show it. */
export function parseFlowKeys(body: unknown, where: string): FlowKeyInfo[] {
  const list = Array.isArray(body) ? body : (body as { flowControls?: unknown } | null)?.flowControls;
  if (!Array.isArray(list)) throw shapeError(where);
  return list.map((item) => parseFlowKey(item, where));
}

export function parseMessageBody(body: unknown, where: string): DlqMessage {
  const parsed = z.looseObject({ dlqId: z.string() }).safeParse(body);
  if (!parsed.success) throw shapeError(where);
  return parsed.data as unknown as DlqMessage;
}

function shapeError(where: string): QStashError {
  return new QStashError(
    "protocol",
    `QStash answered ${where} with a body of an unexpected shape; the request may have been processed.`,
  );
}
