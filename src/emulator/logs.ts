/**
 * `GET /v2/workflows/logs` as the emulator can answer it: the runs it started (resumed and
 * restarted ones, in the state their delivery reached) and the failed runs its DLQ holds, each
 * with its steps in the published shape, newest first, paged by cursor.
 */
import type { DlqMessage } from "../wire/types.js";
import { BadRequest } from "./params.js";
import type { ResumedRecord } from "./store.js";

export const RUN_STATES = ["RUN_STARTED", "RUN_SUCCESS", "RUN_FAILED", "RUN_CANCELED"] as const;
const MAX_LOG_COUNT = 100;
const DEFAULT_LOG_COUNT = 10;

export interface LogStep {
  stepId: number;
  stepName: string;
  stepType: string;
  callType: string;
  /** STEP_SUCCESS, STEP_RETRY (an attempt that failed and was retried), STEP_FAILED, STEP_PROGRESS. */
  state: string;
  createdAt: number;
  messageId?: string;
  callUrl?: string;
  callMethod?: string;
  callResponseStatus?: number;
  callResponseBody?: string;
  retries?: number;
}

export interface LogFailureFunction {
  url: string;
  state?: string;
  failStatus?: number;
  failResponse?: string;
  responseStatus?: number;
  responseBody?: string;
  maxRetries?: number;
}

export interface LogRun {
  workflowRunId: string;
  workflowUrl?: string;
  workflowState: (typeof RUN_STATES)[number];
  workflowRunCreatedAt: number;
  workflowRunCompletedAt?: number;
  label?: string;
  flowControlKey?: string;
  dlqId?: string;
  steps: { type: "sequential"; steps: LogStep[] }[];
  failureFunction?: LogFailureFunction;
}

/** The step names a seeded workflow's own steps get; which one failed follows from its dlqId. */
const STEP_NAMES = ["charge-card", "reserve-stock", "send-receipt", "sync-crm", "notify-user"];
/** QStash retries a step three times by default; more than this many attempts are not shown. */
const MAX_SHOWN_ATTEMPTS = 6;

function hashOf(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash;
}

/** A failed step's identity: a call to another service is a `Call` step named after its host. */
function stepOf(url: string | undefined, workflowUrl: string | undefined, seed: string) {
  if (url !== undefined && url !== workflowUrl) {
    const host = /^https?:\/\/([^/:]+)/.exec(url)?.[1] ?? "service";
    return { stepName: `call-${host.split(".")[0]}`, stepType: "Call" };
  }
  return { stepName: STEP_NAMES[hashOf(seed) % STEP_NAMES.length] as string, stepType: "Run" };
}

interface Failure {
  url?: string;
  workflowUrl?: string;
  status?: number;
  body?: string;
  maxRetries?: number;
  /** When the last attempt failed. */
  at: number;
  /** No attempt is shown before this. */
  notBefore: number;
  seed: string;
}

/**
 * The steps of a run that failed: it started, one step succeeded, and the failing step was tried
 * `maxRetries + 1` times, each attempt answered with the failure the DLQ entry recorded, the
 * retries backing off exponentially as QStash's do.
 */
function failedSteps(failure: Failure): LogRun["steps"] {
  const attempts = Math.min((failure.maxRetries ?? 3) + 1, MAX_SHOWN_ATTEMPTS);
  const step = stepOf(failure.url, failure.workflowUrl, failure.seed);
  const before = (index: number) => Math.round(Math.exp(2.5 * (attempts - 1 - index)) * 1000) - 1000;
  const first = Math.max(failure.notBefore, failure.at - before(0) - 2_000);
  return [
    {
      type: "sequential",
      steps: [
        {
          stepId: 0,
          stepName: "init",
          stepType: "Initial",
          callType: "step",
          state: "STEP_SUCCESS",
          createdAt: failure.notBefore,
        },
      ],
    },
    {
      type: "sequential",
      steps: [
        {
          stepId: 1,
          stepName: "validate",
          stepType: "Run",
          callType: "step",
          state: "STEP_SUCCESS",
          createdAt: first,
        },
      ],
    },
    {
      type: "sequential",
      steps: Array.from({ length: attempts }, (_, index) => ({
        stepId: 2,
        ...step,
        callType: "step",
        state: index === attempts - 1 ? "STEP_FAILED" : "STEP_RETRY",
        createdAt: Math.max(first, failure.at - before(index)),
        ...(failure.url === undefined ? {} : { callUrl: failure.url, callMethod: "POST" }),
        ...(failure.status === undefined ? {} : { callResponseStatus: failure.status }),
        ...(failure.body === undefined ? {} : { callResponseBody: failure.body }),
        retries: failure.maxRetries ?? 3,
      })),
    },
  ];
}

export function runOfRecord(record: ResumedRecord): LogRun {
  const state = record.state ?? (record.refailedAs ? "RUN_FAILED" : "RUN_SUCCESS");
  const steps: LogRun["steps"] =
    state === "RUN_FAILED"
      ? failedSteps({
          url: record.stepUrl,
          workflowUrl: record.workflowUrl,
          status: record.failStatus,
          body: record.failBody,
          maxRetries: record.retries,
          at: record.finishedAt ?? record.at,
          notBefore: record.workflowCreatedAt,
          seed: record.originalWorkflowRunId,
        })
      : [
          {
            type: "sequential",
            steps: [
              {
                stepId: 2,
                ...stepOf(record.stepUrl, record.workflowUrl, record.originalWorkflowRunId),
                callType: "step",
                state: state === "RUN_STARTED" ? "STEP_PROGRESS" : "STEP_SUCCESS",
                createdAt: record.at,
                ...(record.stepUrl === undefined ? {} : { callUrl: record.stepUrl, callMethod: "POST" }),
                ...(state === "RUN_SUCCESS" ? { callResponseStatus: 200 } : {}),
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
    ...(message.flowControlKey === undefined ? {} : { flowControlKey: message.flowControlKey }),
    dlqId: message.dlqId,
    steps: failedSteps({
      url: message.url,
      workflowUrl: message.workflowUrl,
      status: message.responseStatus,
      body: message.responseBody,
      maxRetries: message.maxRetries,
      at: message.createdAt,
      notBefore: message.workflowCreatedAt ?? message.createdAt,
      seed: workflowRunId,
    }),
    ...(message.failureCallback === undefined
      ? {}
      : {
          failureFunction: {
            url: message.failureCallback,
            ...(callback?.state === undefined ? {} : { state: callback.state }),
            ...(message.responseStatus === undefined ? {} : { failStatus: message.responseStatus }),
            ...(message.responseBody === undefined ? {} : { failResponse: message.responseBody }),
            ...(callback?.responseStatus === undefined ? {} : { responseStatus: callback.responseStatus }),
            ...(callback?.responseBody === undefined ? {} : { responseBody: callback.responseBody }),
            maxRetries: 3,
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
  const withBody = <T extends object>(value: T, key: keyof T & string): T => {
    const { [key]: body, ...rest } = value as Record<string, unknown>;
    const kept = trim(body as string | undefined);
    return (kept === undefined ? rest : { ...rest, [key]: kept }) as T;
  };
  const trimmed: LogRun = {
    ...run,
    steps: run.steps.map((group) => ({
      ...group,
      steps: group.steps.map((step) => withBody(step, "callResponseBody")),
    })),
  };
  if (run.failureFunction) {
    trimmed.failureFunction = withBody(withBody(run.failureFunction, "failResponse"), "responseBody");
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
  const matching = runs.filter((run) => {
    if (wanted) return wanted.has(`${run.workflowRunId}@${run.workflowRunCreatedAt}`);
    if (params.get("workflowRunId") !== null && run.workflowRunId !== params.get("workflowRunId"))
      return false;
    if (createdAt !== undefined && run.workflowRunCreatedAt !== createdAt) return false;
    if (state !== null && run.workflowState !== state) return false;
    if (params.get("label") !== null && run.label !== params.get("label")) return false;
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
