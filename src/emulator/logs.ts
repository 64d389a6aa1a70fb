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
  stepName: string;
  stepType: string;
  callType: string;
  state: string;
  createdAt: number;
  callUrl?: string;
  callResponseStatus?: number;
  callResponseBody?: string;
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
}

function failedStep(
  url: string | undefined,
  status: number | undefined,
  body: string | undefined,
  at: number,
): LogStep {
  return {
    stepName: "failed-step",
    stepType: "Run",
    callType: "step",
    state: "STEP_FAILED",
    createdAt: at,
    ...(url === undefined ? {} : { callUrl: url }),
    ...(status === undefined ? {} : { callResponseStatus: status }),
    ...(body === undefined ? {} : { callResponseBody: body }),
  };
}

export function runOfRecord(record: ResumedRecord): LogRun {
  const state = record.state ?? (record.refailedAs ? "RUN_FAILED" : "RUN_SUCCESS");
  const step: LogStep =
    state === "RUN_FAILED"
      ? failedStep(record.stepUrl, record.failStatus, record.failBody, record.finishedAt ?? record.at)
      : {
          stepName: "failed-step",
          stepType: "Run",
          callType: "step",
          state: state === "RUN_STARTED" ? "STEP_PROGRESS" : "STEP_SUCCESS",
          createdAt: record.at,
          ...(record.stepUrl === undefined ? {} : { callUrl: record.stepUrl }),
        };
  return {
    workflowRunId: record.workflowRunId,
    ...(record.workflowUrl === undefined ? {} : { workflowUrl: record.workflowUrl }),
    workflowState: state,
    workflowRunCreatedAt: record.workflowCreatedAt,
    ...(state === "RUN_STARTED" ? {} : { workflowRunCompletedAt: record.finishedAt ?? record.at }),
    ...(record.label === undefined ? {} : { label: record.label }),
    ...(record.flowControlKey === undefined ? {} : { flowControlKey: record.flowControlKey }),
    ...(record.refailedAs === undefined ? {} : { dlqId: record.refailedAs }),
    steps: [{ type: "sequential", steps: [step] }],
  };
}

export function runOfEntry(message: DlqMessage): LogRun {
  return {
    workflowRunId: message.workflowRunId ?? `wfr_${message.dlqId}`,
    ...(message.workflowUrl === undefined ? {} : { workflowUrl: message.workflowUrl }),
    workflowState: "RUN_FAILED",
    workflowRunCreatedAt: message.workflowCreatedAt ?? message.createdAt,
    workflowRunCompletedAt: message.createdAt,
    ...(message.label === undefined ? {} : { label: message.label }),
    ...(message.flowControlKey === undefined ? {} : { flowControlKey: message.flowControlKey }),
    dlqId: message.dlqId,
    steps: [
      {
        type: "sequential",
        steps: [failedStep(message.url, message.responseStatus, message.responseBody, message.createdAt)],
      },
    ],
  };
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
  const page = matching.slice(offset, offset + Math.min(count, MAX_LOG_COUNT));
  const next = offset + page.length;
  return next < matching.length
    ? { runs: page, cursor: Buffer.from(String(next), "utf8").toString("base64url") }
    : { runs: page };
}
