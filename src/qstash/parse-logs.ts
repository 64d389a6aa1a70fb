/**
 * The logs API's answer (`GET /v2/workflows/logs`) read tolerantly: a run, its steps and each
 * failed attempt as far as this server uses them, empty fields dropped.
 */
import { listIn, shapeError, unixMs } from "./parse.js";

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

export const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
export const number = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;
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
