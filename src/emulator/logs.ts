/**
 * `GET /v2/workflows/logs` as the emulator can answer it: the runs it started (resumed and
 * restarted ones, in the state their delivery reached) and the failed runs its DLQ holds, each
 * with its steps in the published shape, newest first, paged by cursor.
 */
import type { DlqMessage } from "../wire/types.js";
import { ALNUM, digest, hashedId } from "./ids.js";
import { BadRequest } from "./params.js";
import type { ResumedRecord } from "./redrive.js";

export const RUN_STATES = ["RUN_STARTED", "RUN_SUCCESS", "RUN_FAILED", "RUN_CANCELED"] as const;
/** Runs per page: the published API serves at most 10 runs a page, and 10 by default. */
const MAX_LOG_COUNT = 10;
const DEFAULT_LOG_COUNT = 10;

/** A step that ran to its end (or is running), in a `sequential` or `parallel` group. */
export interface LogStep {
  stepId?: number;
  stepName: string;
  stepType: string;
  callType: string;
  messageId: string;
  out?: string;
  retries: number;
  concurrent: number;
  state: "STEP_SUCCESS" | "STEP_PROGRESS";
  createdAt: number;
  headers: Record<string, string[]>;
  /** A `context.call` step has all of these or none. */
  callUrl?: string;
  callMethod?: string;
  callHeaders?: Record<string, string[]>;
  callBody?: string;
  callResponseStatus?: number;
  callResponseBody?: string;
  callResponseHeaders?: Record<string, string[]>;
}

/** One failed attempt, as the `errors` of a step being retried or failed list it. */
export interface LogError {
  error: string;
  body: string;
  headers: Record<string, string[]>;
  status: number;
  time: number;
}

/** The step a run is on, in the `next` group: retrying, failed for good, or in progress. */
export interface LogNextStep {
  messageId: string;
  stepName?: string;
  state: "STEP_PROGRESS" | "STEP_RETRY" | "STEP_FAILED" | "STEP_CANCELED";
  retries: number;
  errors?: LogError[];
}

export interface LogFailureFunction {
  messageId: string;
  url: string;
  state: string;
  failHeaders: Record<string, string[]>;
  failStatus: number;
  failResponse: string;
  /** Deprecated by QStash in favour of the run's own dlqId; still sent. */
  dlqId: string;
  responseStatus?: number;
  responseBody?: string;
  responseHeaders?: Record<string, string[]>;
}

export type LogGroup =
  | { type: "sequential" | "parallel"; steps: LogStep[] }
  | { type: "next"; steps: LogNextStep[] };

export interface LogRun {
  workflowRunId: string;
  workflowUrl?: string;
  workflowState: (typeof RUN_STATES)[number];
  workflowRunCreatedAt: number;
  workflowRunCompletedAt?: number;
  label?: string;
  labels?: string[];
  flowControlKey?: string;
  dlqId?: string;
  steps: LogGroup[];
  failureFunction?: LogFailureFunction;
}

/** The step names a seeded workflow's own steps get; which one failed follows from its run. */
const STEP_NAMES = ["charge-card", "reserve-stock", "send-receipt", "sync-crm", "notify-user"];
/** QStash's retry delay grows as e^(2.5·n) seconds, and never past a day. */
const MAX_RETRY_DELAY_MS = 86_400_000;
/** A step retried more often than this shows only its last attempts; no real run gets near it. */
const MAX_LOGGED_ATTEMPTS = 50;

const messageIdOf = (seed: string, step: number) =>
  hashedId("msg_", ALNUM, 40, ["message", seed, String(step)]);

/** A failed step's name: a call to another service is named after its host. */
function stepNameOf(url: string | undefined, workflowUrl: string | undefined, seed: string): string {
  if (url !== undefined && url !== workflowUrl) {
    const host = /^https?:\/\/([^/:]+)/.exec(url)?.[1] ?? "service";
    return `call-${host.split(".")[0]}`;
  }
  return STEP_NAMES[digest(["step", seed]).readUInt32BE(0) % STEP_NAMES.length] as string;
}

interface Failure {
  url?: string;
  workflowUrl?: string;
  status?: number;
  body?: string;
  headers?: Record<string, string[]>;
  maxRetries?: number;
  /** When the last attempt failed. */
  at: number;
  /** When the run was created: no step is logged before it. */
  startedAt: number;
  seed: string;
}

/** The steps every seeded run completes before the one that can fail. */
function completedSteps(failure: Failure, until: number): LogGroup[] {
  const step = (stepId: number, stepName: string, stepType: string, createdAt: number): LogGroup => ({
    type: "sequential",
    steps: [
      {
        stepId,
        stepName,
        stepType,
        callType: "step",
        messageId: messageIdOf(failure.seed, stepId),
        retries: failure.maxRetries ?? 3,
        concurrent: 1,
        state: "STEP_SUCCESS",
        createdAt,
        headers: {},
      },
    ],
  });
  return [
    step(0, "init", "Initial", failure.startedAt),
    step(1, "validate", "Run", Math.max(failure.startedAt, Math.min(until, failure.startedAt + 150))),
  ];
}

/**
 * The steps of a run that failed: it started, one step succeeded, and the step it is on (the
 * `next` group) was tried `maxRetries + 1` times, each attempt answered with the failure the DLQ
 * entry recorded, the retries backing off as QStash's do.
 */
function failedSteps(failure: Failure): LogGroup[] {
  const attempts = Math.min((failure.maxRetries ?? 3) + 1, MAX_LOGGED_ATTEMPTS);
  const delay = (retry: number) => Math.min(Math.round(Math.exp(2.5 * retry) * 1000), MAX_RETRY_DELAY_MS);
  // The last attempt failed at `at`; each earlier one came the delay of its retry before.
  const times = [failure.at];
  for (let retry = attempts - 1; retry >= 1; retry--) {
    times.unshift(Math.max(failure.startedAt, (times[0] as number) - delay(retry)));
  }
  const status = failure.status ?? 500;
  return [
    ...completedSteps(failure, times[0] as number),
    {
      type: "next",
      steps: [
        {
          messageId: messageIdOf(failure.seed, 2),
          stepName: stepNameOf(failure.url, failure.workflowUrl, failure.seed),
          state: "STEP_FAILED",
          retries: failure.maxRetries ?? 3,
          errors: times.map((time) => ({
            error: `request to ${failure.url ?? "the workflow"} failed with status ${status}`,
            body: failure.body ?? "",
            headers: failure.headers ?? {},
            status,
            time,
          })),
        },
      ],
    },
  ];
}

export function runOfRecord(record: ResumedRecord): LogRun {
  const state = record.state ?? (record.refailedAs ? "RUN_FAILED" : "RUN_SUCCESS");
  const failure: Failure = {
    url: record.stepUrl,
    workflowUrl: record.workflowUrl,
    status: record.failStatus,
    body: record.failBody,
    maxRetries: record.retries,
    at: record.finishedAt ?? record.at,
    startedAt: record.workflowCreatedAt,
    seed: record.workflowRunId,
  };
  const name = stepNameOf(record.stepUrl, record.workflowUrl, record.originalWorkflowRunId);
  const steps: LogGroup[] =
    state === "RUN_FAILED"
      ? failedSteps(failure)
      : state === "RUN_STARTED"
        ? [
            {
              type: "next",
              steps: [
                {
                  messageId: messageIdOf(record.workflowRunId, 2),
                  stepName: name,
                  state: "STEP_PROGRESS",
                  retries: record.retries ?? 3,
                },
              ],
            },
          ]
        : [
            ...completedSteps(failure, record.at),
            {
              type: "sequential",
              steps: [
                {
                  stepId: 2,
                  stepName: name,
                  stepType:
                    record.stepUrl !== undefined && record.stepUrl !== record.workflowUrl ? "Call" : "Run",
                  callType: "step",
                  messageId: messageIdOf(record.workflowRunId, 2),
                  retries: record.retries ?? 3,
                  concurrent: 1,
                  state: "STEP_SUCCESS",
                  createdAt: record.finishedAt ?? record.at,
                  headers: {},
                  ...(record.stepUrl === undefined || record.stepUrl === record.workflowUrl
                    ? {}
                    : {
                        callUrl: record.stepUrl,
                        callMethod: "POST",
                        callHeaders: {},
                        callBody: "",
                        callResponseStatus: 200,
                        callResponseBody: "",
                        callResponseHeaders: {},
                      }),
                },
              ],
            },
          ];
  return {
    workflowRunId: record.workflowRunId,
    ...(record.workflowUrl === undefined ? {} : { workflowUrl: record.workflowUrl }),
    workflowState: state,
    workflowRunCreatedAt: record.workflowCreatedAt,
    ...(state === "RUN_STARTED" ? {} : { workflowRunCompletedAt: record.finishedAt ?? record.at }),
    ...(record.label === undefined ? {} : { label: record.label }),
    ...(record.labels === undefined ? {} : { labels: record.labels }),
    ...(record.flowControlKey === undefined ? {} : { flowControlKey: record.flowControlKey }),
    ...(record.refailedAs === undefined ? {} : { dlqId: record.refailedAs }),
    steps,
  };
}

export function runOfEntry(message: DlqMessage): LogRun {
  const workflowRunId = message.workflowRunId ?? `wfr_${message.dlqId}`;
  const callback = message.failureCallbackInfo;
  return {
    workflowRunId,
    ...(message.workflowUrl === undefined ? {} : { workflowUrl: message.workflowUrl }),
    workflowState: "RUN_FAILED",
    workflowRunCreatedAt: message.workflowCreatedAt ?? message.createdAt,
    workflowRunCompletedAt: message.createdAt,
    ...(message.label === undefined ? {} : { label: message.label }),
    ...(message.labels === undefined ? {} : { labels: message.labels }),
    ...(message.flowControlKey === undefined ? {} : { flowControlKey: message.flowControlKey }),
    dlqId: message.dlqId,
    steps: failedSteps({
      url: message.url,
      workflowUrl: message.workflowUrl,
      status: message.responseStatus,
      body: message.responseBody,
      headers: message.responseHeader,
      maxRetries: message.maxRetries,
      at: message.createdAt,
      startedAt: Math.min(message.workflowCreatedAt ?? message.createdAt, message.createdAt),
      seed: workflowRunId,
    }),
    ...(message.failureCallback === undefined
      ? {}
      : {
          failureFunction: {
            messageId: messageIdOf(workflowRunId, -1),
            url: message.failureCallback,
            // An entry whose callback has not reported yet: the callback is still running.
            state: callback?.state ?? "CALLBACK_INPROGRESS",
            failHeaders: message.responseHeader ?? {},
            failStatus: message.responseStatus ?? 500,
            failResponse: message.responseBody ?? "",
            dlqId: message.dlqId,
            ...(callback?.responseStatus === undefined ? {} : { responseStatus: callback.responseStatus }),
            ...(callback?.responseBody === undefined ? {} : { responseBody: callback.responseBody }),
            ...(callback?.responseHeaders === undefined ? {} : { responseHeaders: callback.responseHeaders }),
          },
        }),
  };
}

/**
 * `trimBody`: bodies cut to this many bytes, or left out at -1 (the default), as the published
 * API does.
 */
export function trimmedBodies(run: LogRun, trimBody: number): LogRun {
  const trim = (body: string | undefined) => {
    if (body === undefined || trimBody < 0) return undefined;
    const bytes = Buffer.from(body, "utf8");
    return bytes.length <= trimBody
      ? body
      : bytes
          .subarray(0, trimBody)
          .toString("utf8")
          .replace(/\uFFFD$/, "");
  };
  const withBody = <T extends object>(value: T, key: string): T => {
    const { [key]: body, ...rest } = value as Record<string, unknown>;
    const kept = trim(body as string | undefined);
    return (kept === undefined ? rest : { ...rest, [key]: kept }) as T;
  };
  const trimmed: LogRun = {
    ...run,
    steps: run.steps.map((group) =>
      group.type === "next"
        ? {
            ...group,
            steps: group.steps.map((step) =>
              step.errors
                ? {
                    ...step,
                    errors: step.errors.map((error) => ({ ...error, body: trim(error.body) ?? "" })),
                  }
                : step,
            ),
          }
        : { ...group, steps: group.steps.map((step) => withBody(step, "callResponseBody")) },
    ),
  };
  if (run.failureFunction) {
    trimmed.failureFunction = withBody(
      { ...run.failureFunction, failResponse: trim(run.failureFunction.failResponse) ?? "" },
      "responseBody",
    );
  }
  return trimmed;
}

/** The query parameters the logs endpoint takes; the router refuses any other. */
export const LOG_PARAMS: ReadonlySet<string> = new Set([
  "cursor",
  "count",
  "workflowRunId",
  "workflowCreatedAt",
  "workflowRuns",
  "state",
  "fromDate",
  "toDate",
  "label",
  "flowControlKey",
  "workflowUrl",
  "callerIp",
  "trimBody",
]);

/** The page of runs the query selects, newest first. */
export function answerLogs(
  runs: readonly LogRun[],
  params: URLSearchParams,
): { runs: LogRun[]; cursor?: string } {
  const state = params.get("state");
  if (state !== null && !(RUN_STATES as readonly string[]).includes(state)) {
    throw new BadRequest(`invalid state: ${state}`);
  }
  const pairs = params.get("workflowRuns");
  const wanted = pairs
    ? new Set(
        pairs.split(",").map((pair) => {
          if (!/^[^@]+@\d+$/.test(pair)) throw new BadRequest(`invalid workflowRuns entry: ${pair}`);
          return pair;
        }),
      )
    : undefined;
  const number = (name: string) => {
    const value = params.get(name);
    if (value === null) return undefined;
    if (!/^\d+$/.test(value)) throw new BadRequest(`${name} must be Unix milliseconds`);
    return Number(value);
  };
  const from = number("fromDate");
  const to = number("toDate");
  const createdAt = number("workflowCreatedAt");
  const labels = params.getAll("label").flatMap((value) => value.split(","));
  const matching = runs.filter((run) => {
    if (wanted) return wanted.has(`${run.workflowRunId}@${run.workflowRunCreatedAt}`);
    if (params.get("workflowRunId") !== null && run.workflowRunId !== params.get("workflowRunId"))
      return false;
    if (createdAt !== undefined && run.workflowRunCreatedAt !== createdAt) return false;
    if (state !== null && run.workflowState !== state) return false;
    // Several labels match a run that has any of them (the OpenAPI's multi-value label filter).
    if (
      labels.length > 0 &&
      ![run.label, ...(run.labels ?? [])].some((l) => l !== undefined && labels.includes(l))
    )
      return false;
    if (params.get("flowControlKey") !== null && run.flowControlKey !== params.get("flowControlKey"))
      return false;
    if (params.get("workflowUrl") !== null && run.workflowUrl !== params.get("workflowUrl")) return false;
    if (from !== undefined && run.workflowRunCreatedAt < from) return false;
    if (to !== undefined && run.workflowRunCreatedAt > to) return false;
    return true;
  });
  matching.sort(
    (a, b) => b.workflowRunCreatedAt - a.workflowRunCreatedAt || (a.workflowRunId < b.workflowRunId ? -1 : 1),
  );
  const rawCount = params.get("count");
  const count = rawCount === null ? DEFAULT_LOG_COUNT : Number(rawCount);
  if (!Number.isInteger(count) || count < 1)
    throw new BadRequest(`count must be a positive integer, got "${rawCount}"`);
  const rawCursor = params.get("cursor");
  const offset = rawCursor ? Number(Buffer.from(rawCursor, "base64url").toString("utf8")) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new BadRequest("invalid cursor");
  const rawTrim = params.get("trimBody");
  const trimBody = rawTrim === null ? -1 : Number(rawTrim);
  if (!Number.isInteger(trimBody) || trimBody < -1)
    throw new BadRequest(`trimBody must be a byte count or -1, got "${rawTrim}"`);
  const page = matching
    .slice(offset, offset + Math.min(count, MAX_LOG_COUNT))
    .map((run) => trimmedBodies(run, trimBody));
  const next = offset + page.length;
  return next < matching.length
    ? { runs: page, cursor: Buffer.from(String(next), "utf8").toString("base64url") }
    : { runs: page };
}
