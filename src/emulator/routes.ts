/**
 * The DLQ endpoints: which path and method is which, which query parameters each takes, and the
 * store call that answers it. A bad request becomes a 400 or 404 answer here, so the listener
 * only decides how, and whether, an answer reaches the client.
 */
import type { IncomingMessage } from "node:http";
import {
  DLQ_PATHS,
  FILTER_QUERY_FIELDS,
  FLOW_CONTROL_ACTIONS,
  FLOW_CONTROL_PATH,
  type FlowControlAction,
  LOGS_PATH,
  MAX_IDS_PER_ACTION_REQUEST,
  MAX_LIST_COUNT,
  TRIGGER_PATH,
} from "../wire/types.js";
import { START_CURSOR } from "./cursors.js";
import type { Selection } from "./filters.js";
import { runOfEntry, runOfRecord } from "./log-runs.js";
import { answerLogs, LOG_PARAMS } from "./logs.js";
import { leaveOutEmpty } from "./omit-empty.js";
import {
  BadRequest,
  checkSource,
  parseCount,
  parseCursor,
  parseFilter,
  parseOverrides,
  parseSelection,
  refuseUnknownParams,
} from "./params.js";
import type { RedriveAction } from "./redrive.js";
import { type DlqStore, DlqStoreError } from "./store.js";
import { triggerRun } from "./trigger.js";

/** Bulk delete by filter or all shares the list endpoint's page size. */
const MAX_DELETE_PER_REQUEST = MAX_LIST_COUNT;

export interface ApiResult {
  status: number;
  /** Absent: an empty answer, as QStash gives for a removed entry. */
  body?: unknown;
  /**
   * Set on bulk endpoints, so a stuck-cursor fault knows what to repeat. Id-mode requests have
   * no cursor of their own and no start cursor: only a fault's own cursor is put on them.
   */
  paging?: { requestCursor?: string; startCursor?: string };
}

export type Route =
  | { kind: "resume"; action: RedriveAction }
  | { kind: "resumeOne"; action: RedriveAction; dlqId: string }
  | { kind: "callback"; dlqId: string; cancel: boolean }
  | { kind: "list" }
  | { kind: "legacyList" }
  | { kind: "getOne"; dlqId: string }
  | { kind: "deleteOne"; dlqId: string }
  | { kind: "delete" }
  | { kind: "logs" }
  | { kind: "flowList" }
  | { kind: "flowGet"; key: string }
  | { kind: "flowAction"; key: string; action: FlowControlAction }
  | { kind: "trigger"; workflowUrl: string };

const PAGING_PARAMS = ["count", "cursor"] as const;
/**
 * What `@upstash/workflow` sends besides the filter fields when it lists through the plain DLQ
 * path: `source=workflow` always, `url` and `responseStatus` when a caller still uses them.
 */
const LEGACY_LIST_PARAMS = ["source", "url", "responseStatus"] as const;
const BULK_PARAMS = new Set<string>(["dlqIds", ...PAGING_PARAMS, ...FILTER_QUERY_FIELDS]);

/** The query parameters each endpoint takes, as the Workflow OpenAPI lists them. */
const KNOWN_PARAMS: Record<Route["kind"], ReadonlySet<string>> = {
  resume: BULK_PARAMS,
  delete: BULK_PARAMS,
  list: new Set([...PAGING_PARAMS, ...FILTER_QUERY_FIELDS]),
  legacyList: new Set([...PAGING_PARAMS, ...FILTER_QUERY_FIELDS, ...LEGACY_LIST_PARAMS]),
  resumeOne: new Set(),
  callback: new Set(),
  getOne: new Set(),
  deleteOne: new Set(),
  logs: LOG_PARAMS,
  flowList: new Set(),
  flowGet: new Set(),
  flowAction: new Set(["parallelism", "rate", "period"]),
  trigger: new Set(),
};

export type RouteMiss = { status: 404 } | { status: 405; allow: string };

function decodeSegment(segment: string): string | undefined {
  try {
    const decoded = decodeURIComponent(segment);
    return decoded === "" ? undefined : decoded;
  } catch {
    return undefined;
  }
}

export function route(method: string, path: string): Route | RouteMiss {
  const only = (allowed: string, r: Route): Route | RouteMiss =>
    method === allowed ? r : { status: 405, allow: allowed };

  for (const action of ["resume", "restart"] as const) {
    const bulk = DLQ_PATHS[action];
    if (path === bulk) return only("POST", { kind: "resume", action });
    if (path.startsWith(`${bulk}/`)) {
      const dlqId = decodeSegment(path.slice(bulk.length + 1));
      if (dlqId === undefined || dlqId.includes("/")) return { status: 404 };
      return only("POST", { kind: "resumeOne", action, dlqId });
    }
  }
  if (path.startsWith(`${DLQ_PATHS.callback}/`)) {
    const dlqId = decodeSegment(path.slice(DLQ_PATHS.callback.length + 1));
    if (dlqId === undefined || dlqId.includes("/")) return { status: 404 };
    if (method === "POST" || method === "DELETE")
      return { kind: "callback", dlqId, cancel: method === "DELETE" };
    return { status: 405, allow: "POST, DELETE" };
  }
  if (path.startsWith(`${TRIGGER_PATH}/`))
    return only("POST", { kind: "trigger", workflowUrl: path.slice(TRIGGER_PATH.length + 1) });
  if (path === LOGS_PATH) return only("GET", { kind: "logs" });
  if (path === FLOW_CONTROL_PATH || path === `${FLOW_CONTROL_PATH}/`)
    return only("GET", { kind: "flowList" });
  if (path.startsWith(`${FLOW_CONTROL_PATH}/`)) {
    const [rawKey = "", action, ...rest] = path.slice(FLOW_CONTROL_PATH.length + 1).split("/");
    const key = decodeSegment(rawKey);
    if (key === undefined || rest.length > 0) return { status: 404 };
    if (action === undefined) return only("GET", { kind: "flowGet", key });
    if (!(FLOW_CONTROL_ACTIONS as readonly string[]).includes(action)) return { status: 404 };
    return only("POST", { kind: "flowAction", key, action: action as FlowControlAction });
  }
  if (path === DLQ_PATHS.legacyList) return only("GET", { kind: "legacyList" });
  if (path === DLQ_PATHS.list) {
    if (method === "GET") return { kind: "list" };
    if (method === "DELETE") return { kind: "delete" };
    return { status: 405, allow: "GET, DELETE" };
  }
  const messagePrefix = `${DLQ_PATHS.message}/`;
  if (path.startsWith(messagePrefix)) {
    const dlqId = decodeSegment(path.slice(messagePrefix.length));
    if (dlqId === undefined || dlqId.includes("/")) return { status: 404 };
    if (method === "DELETE") return { kind: "deleteOne", dlqId };
    return method === "GET" ? { kind: "getOne", dlqId } : { status: 405, allow: "GET, DELETE" };
  }
  return { status: 404 };
}

function startCursorFor(selection: Selection): string | undefined {
  return selection.mode === "ids" ? undefined : START_CURSOR;
}

function withCursor<T extends object>(body: T, cursor: string | undefined): T & { cursor?: string } {
  return cursor === undefined ? body : { ...body, cursor };
}

/** A request by ids acts on every id it names; only filter and all are paged, at most `max` a page. */
function bulkLimit(selection: Selection, params: URLSearchParams, max: number): number {
  return selection.mode === "ids" ? selection.dlqIds.length : Math.min(parseCount(params), max);
}

/**
 * How many entries one bulk resume or restart acts on. The Workflow OpenAPI (upstash/docs,
 * workflow/openapi.yaml) states a cap of 50 a request for restart only; for resume, `count` is
 * "Maximum number of workflows to resume. If not provided, all matching workflows will be
 * resumed." So a resume acts on as many as the count sent, and on everything without one: a
 * client that assumes 50 under-counts what a lost answer may have resumed.
 */
function redriveLimit(action: RedriveAction, selection: Selection, params: URLSearchParams): number {
  if (action === "restart") return bulkLimit(selection, params, MAX_IDS_PER_ACTION_REQUEST);
  if (selection.mode === "ids") return selection.dlqIds.length;
  return params.has("count") ? parseCount(params) : Number.POSITIVE_INFINITY;
}

/** Answers one API request from the store; `receivedAt` is when it arrived, Unix milliseconds. */
function dispatch(
  r: Route,
  params: URLSearchParams,
  req: IncomingMessage,
  store: DlqStore,
  receivedAt: number,
): ApiResult {
  refuseUnknownParams(params, KNOWN_PARAMS[r.kind]);
  switch (r.kind) {
    case "resume": {
      const selection = parseSelection(params);
      const limit = redriveLimit(r.action, selection, params);
      const cursor = parseCursor(params);
      const overrides = parseOverrides(req);
      const result = store.resume(selection, limit, cursor, overrides, receivedAt, r.action);
      return {
        status: 200,
        body: withCursor({ workflowRuns: result.items }, result.cursor),
        paging: { requestCursor: cursor, startCursor: startCursorFor(selection) },
      };
    }
    case "resumeOne": {
      const overrides = parseOverrides(req);
      const run = store.resumeById(r.dlqId, overrides, receivedAt, r.action);
      return run ? { status: 200, body: run } : { status: 404, body: { error: "DLQ message not found" } };
    }
    case "callback": {
      if (r.cancel) {
        const cancelled = store.cancelCallback(r.dlqId);
        if (cancelled === undefined) return { status: 404, body: { error: "DLQ message not found" } };
        // The OpenAPI (upstash/docs, workflow/openapi.yaml) documents 302 as the answer to a
        // cancelled callback, with no body: a client must take it as success, not follow it.
        return cancelled
          ? { status: 302 }
          : { status: 400, body: { error: "failure callback is not in progress" } };
      }
      const retry = store.retryCallback(r.dlqId, receivedAt);
      if (retry.status === "notFound") return { status: 404, body: { error: "DLQ message not found" } };
      if (retry.status === "refused") {
        return { status: 400, body: { error: callbackRefusal(retry.state) } };
      }
      return { status: 200, body: retry.run };
    }
    case "list":
    case "legacyList": {
      const legacy = r.kind === "legacyList";
      if (legacy) checkSource(params);
      const filter = parseFilter(params, legacy);
      const selection: Selection = filter ? { mode: "filter", filter } : { mode: "all" };
      const limit = Math.min(parseCount(params), MAX_LIST_COUNT);
      const cursor = parseCursor(params);
      const result = store.select(selection, limit, cursor);
      return {
        status: 200,
        body: withCursor({ messages: result.items }, result.cursor),
        paging: { requestCursor: cursor, startCursor: START_CURSOR },
      };
    }
    case "getOne": {
      const message = store.get(r.dlqId);
      return message
        ? { status: 200, body: message }
        : { status: 404, body: { error: "DLQ message not found" } };
    }
    case "logs": {
      // An entry a resumed run left when it failed again is that run, already listed.
      const started = new Set(store.resumed.map((record) => record.workflowRunId));
      const entries = store.list().filter((message) => !started.has(message.workflowRunId ?? ""));
      const runs = [...store.resumed.map(runOfRecord), ...entries.map(runOfEntry)];
      const page = answerLogs(runs, params);
      // The tidy answer has an empty cursor on its last page, as `@upstash/workflow`'s types read
      // it (`cursor: string`); with omitEmpty it is left out, as its live logs test reads it.
      return { status: 200, body: { runs: page.runs, cursor: page.cursor ?? "" } };
    }
    case "flowList":
      return { status: 200, body: store.flowControl.list() };
    case "flowGet": {
      const info = store.flowControl.info(r.key);
      return info
        ? { status: 200, body: info }
        : { status: 404, body: { error: "flow control key not found" } };
    }
    case "flowAction": {
      const flow = store.flowControl;
      const done =
        r.action === "pin"
          ? flow.pin(r.key, pinConfig(params))
          : r.action === "unpin"
            ? flow.unpin(r.key, {
                parallelism: params.get("parallelism") === "true",
                rate: params.get("rate") === "true",
              })
            : flow[r.action](r.key);
      // The OpenAPI documents only 200 and 400 for these actions: QStash may well answer 200 for a
      // key it does not know, changing nothing. Only the GET documents a 404.
      if (!done && store.quirks.unknownFlowKeyOk) return { status: 200 };
      return done ? { status: 200 } : { status: 404, body: { error: "flow control key not found" } };
    }
    case "deleteOne":
      // QStash answers a removed entry with an empty 200, and one that is not there with a 404.
      return store.delete(r.dlqId)
        ? { status: 200 }
        : { status: 404, body: { error: "DLQ message not found" } };
    case "trigger":
      return { status: 200, body: triggerRun(store, r.workflowUrl, req, receivedAt) };
    case "delete": {
      const selection = parseSelection(params);
      const limit = bulkLimit(selection, params, MAX_DELETE_PER_REQUEST);
      const cursor = parseCursor(params);
      const result = store.deleteSelection(selection, limit, cursor);
      return {
        status: 200,
        body: withCursor({ deleted: result.deleted }, result.cursor),
        paging: { requestCursor: cursor, startCursor: startCursorFor(selection) },
      };
    }
  }
}

/** `pin`'s query: whole numbers, the period in seconds; at least one of them. */
function pinConfig(params: URLSearchParams): { parallelism?: number; rate?: number; period?: number } {
  const config: { parallelism?: number; rate?: number; period?: number } = {};
  for (const name of ["parallelism", "rate", "period"] as const) {
    const value = params.get(name);
    if (value === null) continue;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new BadRequest(`invalid ${name}: ${value}`);
    config[name] = Number(value);
  }
  if (Object.keys(config).length === 0) throw new BadRequest("pin needs parallelism, rate or period");
  return config;
}

/** QStash's words for a callback that cannot be retried, by the entry's callback state. */
function callbackRefusal(state: string | undefined): string {
  switch (state) {
    case undefined:
      return "failure callback not found for this message";
    case "CALLBACK_INPROGRESS":
      return "failure callback is already in progress";
    case "CALLBACK_SUCCESS":
      return "failure callback already succeeded";
    default:
      return `failure callback cannot be retried in state ${state}`;
  }
}

export function runApi(
  r: Route,
  params: URLSearchParams,
  req: IncomingMessage,
  store: DlqStore,
  receivedAt: number,
): ApiResult {
  try {
    const result = dispatch(r, params, req, store, receivedAt);
    if (!store.quirks.omitEmpty || result.body === undefined || result.status >= 300) return result;
    const keep = r.kind === "list" || r.kind === "legacyList" ? ["messages"] : [];
    return { ...result, body: leaveOutEmpty(result.body, keep) };
  } catch (error) {
    if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
    if (error instanceof DlqStoreError) {
      return { status: error.code === "not_found" ? 404 : 400, body: { error: error.message } };
    }
    throw error;
  }
}
