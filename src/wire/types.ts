/**
 * The QStash Workflow DLQ wire format: paths, query fields, headers and JSON bodies.
 * The client and the emulator both speak it and share nothing else.
 */

export const DLQ_PATHS = {
  /** Bulk resume: by `dlqIds`, by filter, or all. */
  resume: "/v2/workflows/dlq/resume",
  /** Bulk restart, from the first step: the same modes as resume. */
  restart: "/v2/workflows/dlq/restart",
  /** `POST {callback}/{dlqId}` retries a failed failure callback; `DELETE` cancels one in progress. */
  callback: "/v2/workflows/dlq/callback",
  /** Workflow DLQ listing as in the REST reference. */
  list: "/v2/workflows/dlq",
  /** Generic DLQ listing used by the official client (`?source=workflow`). */
  legacyList: "/v2/dlq",
  /** `GET {message}/{dlqId}` returns one message. */
  message: "/v2/workflows/dlq",
} as const;

/** Workflow runs with their steps: `GET`, filtered and paged. */
export const LOGS_PATH = "/v2/workflows/logs";

/** `POST {path}/{workflowUrl}` starts a workflow run (the Workflow OpenAPI's "Trigger Workflow Run"). */
export const TRIGGER_PATH = "/v2/trigger";

/** `GET` lists the keys; `GET {path}/{key}` is one; `POST {path}/{key}/{action}` changes it. */
export const FLOW_CONTROL_PATH = "/v2/flowControl";
export const FLOW_CONTROL_ACTIONS = ["pause", "resume", "pin", "unpin", "resetRate"] as const;
export type FlowControlAction = (typeof FLOW_CONTROL_ACTIONS)[number];

/**
 * The most runs one bulk restart acts on, as the Workflow OpenAPI states it; ids go out in batches
 * of at most this many. A bulk resume by filter or all is documented without the cap: it acts on
 * as many entries as the `count` it is sent.
 */
export const MAX_IDS_PER_ACTION_REQUEST = 50;
/** The list endpoint returns at most this many messages per request. */
export const MAX_LIST_COUNT = 100;
/** What the official client sends as `count` when none is given. */
export const DEFAULT_BULK_COUNT = 100;

export const FAILURE_FUNCTION_STATES = [
  "CALLBACK_INPROGRESS",
  "CALLBACK_SUCCESS",
  "CALLBACK_FAIL",
  "CALLBACK_CANCELED",
] as const;
export type FailureFunctionState = (typeof FAILURE_FUNCTION_STATES)[number];

/** Query fields that select DLQ entries, shared by resume and list. */
export const FILTER_QUERY_FIELDS = [
  "workflowUrl",
  "workflowRunId",
  "workflowCreatedAt",
  "label",
  "fromDate",
  "toDate",
  "callerIp",
  "flowControlKey",
  "failureFunctionState",
] as const;
export type FilterQueryField = (typeof FILTER_QUERY_FIELDS)[number];

/** Filter fields that accept several values (repeated key, OR semantics). */
export const MULTI_VALUE_FILTER_FIELDS = ["workflowUrl", "label", "callerIp", "flowControlKey"] as const;

/**
 * Filter fields the server accepts several values for, as repeated keys or one comma-separated
 * value (`label=a,b`): values of one field are ORed, fields ANDed.
 */
export const SERVER_MULTI_VALUE_FILTER_FIELDS = [
  ...MULTI_VALUE_FILTER_FIELDS,
  "failureFunctionState",
] as const;

export const HEADERS = {
  authorization: "authorization",
  retries: "upstash-retries",
  flowControlKey: "upstash-flow-control-key",
  flowControlValue: "upstash-flow-control-value",
  /** On resume and restart: the label the new runs carry, replacing theirs. */
  label: "upstash-label",
  /** On trigger: the new run's id, instead of one QStash makes up. */
  workflowRunId: "upstash-workflow-runid",
  burstLimit: "burst-ratelimit-limit",
  burstRemaining: "burst-ratelimit-remaining",
  burstReset: "burst-ratelimit-reset",
  dailyLimit: "ratelimit-limit",
  dailyRemaining: "ratelimit-remaining",
  dailyReset: "ratelimit-reset",
  retryAfter: "retry-after",
} as const;

/** Flow-control keys and labels: alphanumeric, hyphen, underscore or period. */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

export interface WorkflowRunRef {
  workflowRunId: string;
  /** Unix milliseconds. */
  workflowCreatedAt: number;
}

export interface ResumeResponse {
  workflowRuns: WorkflowRunRef[];
  /** Empty or missing when every matching entry was processed. */
  cursor?: string;
}

export interface FailureCallbackInfo {
  state?: FailureFunctionState;
  responseStatus?: number;
  responseBody?: string;
  responseHeaders?: Record<string, string[]>;
}

export interface DlqMessage {
  dlqId: string;
  messageId?: string;
  workflowRunId?: string;
  workflowUrl?: string;
  workflowCreatedAt?: number;
  /** The failed step's URL. */
  url?: string;
  method?: string;
  header?: Record<string, string[]>;
  body?: string;
  bodyBase64?: string;
  maxRetries?: number;
  /** When the message entered the DLQ, Unix milliseconds. */
  createdAt: number;
  callerIP?: string;
  label?: string;
  labels?: string[];
  flowControlKey?: string;
  failureCallback?: string;
  failureCallbackInfo?: FailureCallbackInfo;
  /** Newer API: the same value as `failureCallbackInfo.state`, at top level. */
  failureFunctionState?: FailureFunctionState;
  responseStatus?: number;
  responseHeader?: Record<string, string[]>;
  responseBody?: string;
  responseBodyBase64?: string;
}

export interface ListResponse {
  messages: DlqMessage[];
  cursor?: string;
}

export interface ErrorBody {
  error: string;
}
