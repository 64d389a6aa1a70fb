/**
 * The runs the logs endpoint lists, in the published shape: the runs the emulator started
 * (resumed and restarted ones, in the state their delivery reached) and the failed runs its DLQ
 * holds, each with its steps (one record per attempt) and its failure function. The steps are
 * derived from the run, so the same entry always shows the same history.
 */
import type { DlqMessage } from "../wire/types.js";
import { ALNUM, digest, hashedId } from "./ids.js";
import type { ResumedRecord } from "./redrive.js";

/** The states a run can be in, as the logs endpoint reports and filters them. */
export const RUN_STATES = ["RUN_STARTED", "RUN_SUCCESS", "RUN_FAILED", "RUN_CANCELED"] as const;

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
