import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { setTimeout as delay, setImmediate as nextTurn } from "node:timers/promises";
import {
  DEFAULT_BULK_COUNT,
  DLQ_PATHS,
  FAILURE_FUNCTION_STATES,
  type FailureFunctionState,
  FILTER_QUERY_FIELDS,
  type FilterQueryField,
  HEADERS,
  MAX_LIST_COUNT,
  MAX_RUNS_PER_RESUME_REQUEST,
  RESOURCE_NAME_PATTERN,
  SERVER_MULTI_VALUE_FILTER_FIELDS,
} from "../wire/types.js";
import {
  DEFAULT_HUGE_BODY_BYTES,
  DEFAULT_SLOW_DELAY_MS,
  type Fault,
  type FaultInjector,
  type FaultKind,
  garbageFor,
  processesRequest,
  rejectionFor,
  streamHugeBody,
} from "./faults.js";
import {
  type DlqFilter,
  type DlqStore,
  DlqStoreError,
  type ResumeOverrides,
  type Selection,
  START_CURSOR,
} from "./store.js";

export interface RecordedRequest {
  method: string;
  /** As received, still percent-encoded. */
  path: string;
  /** In order, repeated keys kept. */
  query: [string, string][];
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  /** When the request arrived, Unix milliseconds. */
  at: number;
  /** The injected fault that shaped this answer, if any. */
  fault?: FaultKind;
}

export interface EmulatorState {
  entries: number;
  resumed: number;
  requests: number;
}

export interface ControlResetOptions {
  entries?: number;
  seed?: number;
  now?: number;
}

export interface HttpContext {
  token: string;
  store: DlqStore;
  faults: FaultInjector;
  requests: RecordedRequest[];
  /** The request log keeps at most this many, oldest dropped first. */
  maxRecordedRequests: number;
  latencyMs: number;
  /** Aborted on shutdown so pending delays do not hold the process open. */
  signal: AbortSignal;
  state(): EmulatorState;
  reset(options: ControlResetOptions): void;
}

export const UNAUTHORIZED_MESSAGE = "Unauthorized: invalid or missing token";
const CONTROL_PREFIX = "/__emulator/";
/** Bulk delete by filter or all shares the list endpoint's page size. */
const MAX_DELETE_PER_REQUEST = MAX_LIST_COUNT;
/** Flow-control periods QStash accepts, in seconds: one second up to one week. */
const MIN_PERIOD_SECONDS = 1;
const MAX_PERIOD_SECONDS = 7 * 24 * 60 * 60;

class BadRequest extends Error {}

interface ApiResult {
  status: number;
  body: unknown;
  /**
   * Set on bulk endpoints, so a stuck-cursor fault knows what to repeat. Id-mode requests have
   * no cursor of their own and no start cursor: only a fault's own cursor is put on them.
   */
  paging?: { requestCursor?: string; startCursor?: string };
}

type Route =
  | { kind: "resume" }
  | { kind: "resumeOne"; dlqId: string }
  | { kind: "list" }
  | { kind: "legacyList" }
  | { kind: "getOne"; dlqId: string }
  | { kind: "delete" };

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
  getOne: new Set(),
};

type RouteMiss = { status: 404 } | { status: 405; allow: string };

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

function tokenMatches(candidate: string, token: string): boolean {
  return timingSafeEqual(digest(candidate), digest(token));
}

/**
 * Only the Authorization header is accepted. QStash also takes the token as a query parameter, but
 * a token in a URL ends up in logs (this emulator's request log among them), so no client of this
 * project should ever send one, and the emulator refuses it.
 */
function isAuthorized(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
  return match?.[1] !== undefined && tokenMatches(match[1], token);
}

function decodeSegment(segment: string): string | undefined {
  try {
    const decoded = decodeURIComponent(segment);
    return decoded === "" ? undefined : decoded;
  } catch {
    return undefined;
  }
}

function route(method: string, path: string): Route | RouteMiss {
  const only = (allowed: string, r: Route): Route | RouteMiss =>
    method === allowed ? r : { status: 405, allow: allowed };

  if (path === DLQ_PATHS.resume) return only("POST", { kind: "resume" });
  if (path === DLQ_PATHS.legacyList) return only("GET", { kind: "legacyList" });
  if (path === DLQ_PATHS.list) {
    if (method === "GET") return { kind: "list" };
    if (method === "DELETE") return { kind: "delete" };
    return { status: 405, allow: "GET, DELETE" };
  }
  const resumePrefix = `${DLQ_PATHS.resume}/`;
  if (path.startsWith(resumePrefix)) {
    const dlqId = decodeSegment(path.slice(resumePrefix.length));
    if (dlqId === undefined || dlqId.includes("/")) return { status: 404 };
    return only("POST", { kind: "resumeOne", dlqId });
  }
  const messagePrefix = `${DLQ_PATHS.message}/`;
  if (path.startsWith(messagePrefix)) {
    const dlqId = decodeSegment(path.slice(messagePrefix.length));
    if (dlqId === undefined || dlqId.includes("/")) return { status: 404 };
    return only("GET", { kind: "getOne", dlqId });
  }
  return { status: 404 };
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new BadRequest(`${name} must not be repeated`);
  return values[0];
}

function parseNonNegativeInteger(name: string, value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed))
    throw new BadRequest(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

/** Missing means the default; anything but a positive integer is rejected. */
function parseCount(params: URLSearchParams): number {
  const raw = single(params, "count");
  if (raw === undefined) return DEFAULT_BULK_COUNT;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new BadRequest(`count must be a positive integer, got "${raw}"`);
  return parsed;
}

/** An empty cursor is how clients say "from the start". */
function parseCursor(params: URLSearchParams): string | undefined {
  const raw = single(params, "cursor");
  return raw === undefined || raw === "" ? undefined : raw;
}

/**
 * A typo'd filter must not be dropped: the request would then act on the whole DLQ. The error
 * names every parameter the endpoint does not take.
 */
function refuseUnknownParams(params: URLSearchParams, known: ReadonlySet<string>): void {
  const unknown = [...new Set(params.keys())].filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const names = unknown.map((name) => `"${name}"`).join(", ");
  throw new BadRequest(
    unknown.length === 1 ? `unknown query parameter ${names}` : `unknown query parameters ${names}`,
  );
}

const MULTI_VALUE: ReadonlySet<string> = new Set(SERVER_MULTI_VALUE_FILTER_FIELDS);

/** Repeated keys and comma-separated values alike; an empty one anywhere is an error. */
function valuesOf(params: URLSearchParams, field: string): string[] {
  const raw = params.getAll(field);
  if (raw.length > 1 && !MULTI_VALUE.has(field)) throw new BadRequest(`${field} must not be repeated`);
  const values = MULTI_VALUE.has(field) ? raw.flatMap((value) => value.split(",")) : raw;
  if (values.some((v) => v === "")) throw new BadRequest(`${field} must not be empty`);
  return values;
}

function parseFailureFunctionState(value: string): FailureFunctionState {
  if (!(FAILURE_FUNCTION_STATES as readonly string[]).includes(value)) {
    throw new BadRequest(
      `failureFunctionState must be one of ${FAILURE_FUNCTION_STATES.join(", ")}, got "${value}"`,
    );
  }
  return value as FailureFunctionState;
}

/**
 * Undefined when no filter field is present. An empty value is rejected rather than ignored:
 * silently dropping it would widen a filtered bulk action to the whole DLQ. `legacy` adds the
 * plain DLQ's filters that only the legacy list path takes.
 */
function parseFilter(params: URLSearchParams, legacy = false): DlqFilter | undefined {
  const filter: DlqFilter = {};
  let present = false;
  const fields: readonly (FilterQueryField | "url" | "responseStatus")[] = legacy
    ? [...FILTER_QUERY_FIELDS, "url", "responseStatus"]
    : FILTER_QUERY_FIELDS;
  for (const field of fields) {
    const values = valuesOf(params, field);
    if (values.length === 0) continue;
    present = true;
    const value = values[0] as string;
    switch (field) {
      case "workflowUrl":
      case "label":
      case "callerIp":
      case "flowControlKey":
        filter[field] = values;
        break;
      case "failureFunctionState":
        filter.failureFunctionState = values.map(parseFailureFunctionState);
        break;
      case "workflowRunId":
      case "url":
        filter[field] = value;
        break;
      case "workflowCreatedAt":
      case "fromDate":
      case "toDate":
      case "responseStatus":
        filter[field] = parseNonNegativeInteger(field, value);
        break;
    }
  }
  return present ? filter : undefined;
}

/** The emulator holds workflow messages only, so it cannot serve another source. */
function checkSource(params: URLSearchParams): void {
  const source = single(params, "source");
  if (source !== undefined && source !== "workflow") {
    throw new BadRequest(
      `source must be "workflow": this emulator holds only workflow messages, got "${source}"`,
    );
  }
}

/** `dlqIds` wins over filters, filters over "all", as on the real server. */
function parseSelection(params: URLSearchParams): Selection {
  const dlqIds = params.getAll("dlqIds");
  if (dlqIds.length > 0) {
    if (dlqIds.some((id) => id === "")) throw new BadRequest("dlqIds must not be empty");
    return { mode: "ids", dlqIds };
  }
  const filter = parseFilter(params);
  return filter ? { mode: "filter", filter } : { mode: "all" };
}

const POSITIVE_INT = /^[1-9]\d*$/;
const PERIOD = /^([1-9]\d*)([smhd]?)$/;
const PERIOD_UNIT_SECONDS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 };
const FLOW_CONTROL_PARTS = ["parallelism", "rate", "period"] as const;
const FLOW_CONTROL_SHAPE =
  'Upstash-Flow-Control-Value must look like "parallelism=<n>, rate=<n>, period=<duration>" with parallelism or rate';

/** Undefined when the value is acceptable, else what is wrong with it. */
function flowControlValueProblem(value: string): string | undefined {
  let nextPart = 0;
  let limited = false;
  for (const part of value.split(",")) {
    const match = /^(parallelism|rate|period)=(.*)$/.exec(part.trim());
    if (!match) return FLOW_CONTROL_SHAPE;
    const name = match[1] as (typeof FLOW_CONTROL_PARTS)[number];
    const amount = match[2] as string;
    const position = FLOW_CONTROL_PARTS.indexOf(name);
    if (position < nextPart) return FLOW_CONTROL_SHAPE;
    nextPart = position + 1;
    if (name === "period") {
      const period = PERIOD.exec(amount);
      if (!period) return FLOW_CONTROL_SHAPE;
      const seconds = Number(period[1]) * (PERIOD_UNIT_SECONDS[period[2] as string] as number);
      if (!(seconds >= MIN_PERIOD_SECONDS && seconds <= MAX_PERIOD_SECONDS)) {
        return `Upstash-Flow-Control-Value period must be from 1s to 7d (${MAX_PERIOD_SECONDS}s), got "${amount}"`;
      }
    } else {
      if (!POSITIVE_INT.test(amount)) return FLOW_CONTROL_SHAPE;
      limited = true;
    }
  }
  return limited ? undefined : FLOW_CONTROL_SHAPE;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function parseOverrides(req: IncomingMessage): ResumeOverrides {
  const overrides: ResumeOverrides = {};
  const retries = header(req, HEADERS.retries);
  if (retries !== undefined) {
    const parsed = /^\d+$/.test(retries.trim()) ? Number(retries.trim()) : Number.NaN;
    if (!(Number.isInteger(parsed) && parsed >= 0 && parsed <= 100)) {
      throw new BadRequest(`Upstash-Retries must be an integer between 0 and 100, got "${retries}"`);
    }
    overrides.retries = parsed;
  }
  const key = header(req, HEADERS.flowControlKey)?.trim();
  const value = header(req, HEADERS.flowControlValue)?.trim();
  if (key === undefined && value === undefined) return overrides;
  if (key === undefined) throw new BadRequest("Upstash-Flow-Control-Value requires Upstash-Flow-Control-Key");
  if (value === undefined)
    throw new BadRequest("Upstash-Flow-Control-Key requires Upstash-Flow-Control-Value");
  if (!RESOURCE_NAME_PATTERN.test(key)) {
    throw new BadRequest(
      "Upstash-Flow-Control-Key may only contain letters, digits, hyphens, underscores and periods",
    );
  }
  const problem = flowControlValueProblem(value);
  if (problem) throw new BadRequest(problem);
  overrides.flowControlKey = key;
  overrides.flowControlValue = value;
  return overrides;
}

function startCursorFor(selection: Selection): string | undefined {
  return selection.mode === "ids" ? undefined : START_CURSOR;
}

function withCursor<T extends object>(body: T, cursor: string | undefined): T & { cursor?: string } {
  return cursor === undefined ? body : { ...body, cursor };
}

/** `receivedAt`: when the request arrived, Unix milliseconds. */
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
      // A request by ids acts on every id it names; only filter and all are paged.
      const limit =
        selection.mode === "ids"
          ? selection.dlqIds.length
          : Math.min(parseCount(params), MAX_RUNS_PER_RESUME_REQUEST);
      const cursor = parseCursor(params);
      const overrides = parseOverrides(req);
      const result = store.resume(selection, limit, cursor, overrides, receivedAt);
      return {
        status: 200,
        body: withCursor({ workflowRuns: result.items }, result.cursor),
        paging: { requestCursor: cursor, startCursor: startCursorFor(selection) },
      };
    }
    case "resumeOne": {
      const overrides = parseOverrides(req);
      const run = store.resumeById(r.dlqId, overrides, receivedAt);
      return run ? { status: 200, body: run } : { status: 404, body: { error: "DLQ message not found" } };
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
    case "delete": {
      const selection = parseSelection(params);
      const limit =
        selection.mode === "ids"
          ? selection.dlqIds.length
          : Math.min(parseCount(params), MAX_DELETE_PER_REQUEST);
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

function runApi(
  r: Route,
  params: URLSearchParams,
  req: IncomingMessage,
  store: DlqStore,
  receivedAt: number,
): ApiResult {
  try {
    return dispatch(r, params, req, store, receivedAt);
  } catch (error) {
    if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
    if (error instanceof DlqStoreError) {
      return { status: error.code === "not_found" ? 404 : 400, body: { error: error.message } };
    }
    throw error;
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  sendRaw(res, status, payload, { "content-type": "application/json", ...headers });
}

function sendRaw(
  res: ServerResponse,
  status: number,
  payload: string,
  headers: Record<string, string>,
): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(payload)) });
  res.end(payload);
}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** Reads and discards the body so the connection can be reused. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on("end", resolve);
    req.on("close", resolve);
    req.on("error", () => resolve());
    req.resume();
  });
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

function parseControlInt(params: URLSearchParams, name: string, allowNegative: boolean): number | undefined {
  const raw = single(params, name);
  if (raw === undefined) return undefined;
  const parsed = (allowNegative ? /^-?\d+$/ : /^\d+$/).test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) throw new BadRequest(`${name} must be an integer, got "${raw}"`);
  return parsed;
}

const CONTROL_RESET_PARAMS: ReadonlySet<string> = new Set(["entries", "seed", "now"]);

function controlResetOptions(params: URLSearchParams): ControlResetOptions {
  const options: ControlResetOptions = {};
  const entries = parseControlInt(params, "entries", false);
  const seed = parseControlInt(params, "seed", true);
  const now = parseControlInt(params, "now", false);
  if (entries !== undefined) options.entries = entries;
  if (seed !== undefined) options.seed = seed;
  if (now !== undefined) options.now = now;
  return options;
}

function control(
  ctx: HttpContext,
  method: string,
  url: URL,
): ApiResult & { headers?: Record<string, string> } {
  const notAllowed = (allow: string) => ({
    status: 405,
    body: { error: "method not allowed" },
    headers: { allow },
  });
  if (url.pathname === `${CONTROL_PREFIX}state`) {
    if (method !== "GET") return notAllowed("GET");
    try {
      refuseUnknownParams(url.searchParams, new Set());
    } catch (error) {
      if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      throw error;
    }
    return { status: 200, body: ctx.state() };
  }
  if (url.pathname === `${CONTROL_PREFIX}reset`) {
    if (method !== "POST") return notAllowed("POST");
    try {
      refuseUnknownParams(url.searchParams, CONTROL_RESET_PARAMS);
      ctx.reset(controlResetOptions(url.searchParams));
    } catch (error) {
      if (error instanceof BadRequest || error instanceof RangeError)
        return { status: 400, body: { error: error.message } };
      throw error;
    }
    return { status: 200, body: ctx.state() };
  }
  return { status: 404, body: { error: "not found" } };
}

function handleControl(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const result = isAuthorized(req, ctx.token)
    ? control(ctx, req.method ?? "GET", url)
    : { status: 401, body: { error: UNAUTHORIZED_MESSAGE } };
  sendJson(res, result.status, result.body, "headers" in result ? result.headers : {});
}

async function handle(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const at = Date.now();
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  await drain(req);
  if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(ctx, req, res, url);

  const query = [...url.searchParams];
  const headers = recordHeaders(req);
  const record = (status: number, fault?: Fault): void => {
    const entry: RecordedRequest = { method, path: url.pathname, query, headers, status, at };
    if (fault) entry.fault = fault.kind;
    ctx.requests.push(entry);
    if (ctx.requests.length > ctx.maxRecordedRequests)
      ctx.requests.splice(0, ctx.requests.length - ctx.maxRecordedRequests);
  };

  await pause(ctx.latencyMs, ctx.signal);

  // A real server does not act for a client that hung up before the request was taken up, so
  // a client killed mid-run can account for every run that was resumed. No fault is spent on it.
  // One more turn of the event loop lets a hang-up that arrived while this process was busy be seen.
  if (ctx.latencyMs > 0) await nextTurn();
  if (res.destroyed || req.socket.destroyed) {
    record(0);
    return;
  }

  if (!isAuthorized(req, ctx.token)) {
    record(401);
    return sendJson(res, 401, { error: UNAUTHORIZED_MESSAGE });
  }

  const r = route(method, url.pathname);
  if ("status" in r) {
    record(r.status);
    if (r.status === 405) return sendJson(res, 405, { error: "method not allowed" }, { allow: r.allow });
    return sendJson(res, 404, { error: "not found" });
  }

  try {
    await respond(ctx, req, res, r, url, at, record);
  } catch (error) {
    reportInternalError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    record(500);
    sendJson(res, 500, { error: "internal server error" });
  }
}

async function respond(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  r: Route,
  url: URL,
  receivedAt: number,
  record: (status: number, fault?: Fault) => void,
): Promise<void> {
  const method = req.method ?? "GET";
  const query = [...url.searchParams];
  const fault = ctx.faults.take({ method, path: url.pathname, query });
  if (fault && !processesRequest(fault.kind)) {
    await pause(fault.delayMs ?? 0, ctx.signal);
    const rejection = rejectionFor(fault);
    if (rejection === "reset") {
      record(0, fault);
      req.socket.destroy();
      return;
    }
    record(rejection.status, fault);
    return sendRaw(res, rejection.status, rejection.body, rejection.headers);
  }

  const result = runApi(r, url.searchParams, req, ctx.store, receivedAt);
  if (!fault) {
    record(result.status);
    return sendJson(res, result.status, result.body);
  }

  switch (fault.kind) {
    case "reset-after":
      await pause(fault.delayMs ?? 0, ctx.signal);
      record(0, fault);
      req.socket.destroy();
      return;
    case "slow":
      await pause(fault.delayMs ?? DEFAULT_SLOW_DELAY_MS, ctx.signal);
      record(result.status, fault);
      return sendJson(res, result.status, result.body);
    case "huge-body":
      await pause(fault.delayMs ?? 0, ctx.signal);
      record(200, fault);
      return streamHugeBody(res, fault.bytes ?? DEFAULT_HUGE_BODY_BYTES);
    case "repeat-cursor": {
      await pause(fault.delayMs ?? 0, ctx.signal);
      const cursor =
        result.paging && (result.paging.requestCursor ?? fault.cursor ?? result.paging.startCursor);
      const body =
        result.status === 200 &&
        cursor !== undefined &&
        typeof result.body === "object" &&
        result.body !== null
          ? { ...result.body, cursor }
          : result.body;
      record(result.status, fault);
      return sendJson(res, result.status, body);
    }
    default: {
      await pause(fault.delayMs ?? 0, ctx.signal);
      const garbage = garbageFor(fault);
      if (!garbage) throw new TypeError(`unhandled fault kind ${fault.kind}`);
      record(garbage.status, fault);
      return sendRaw(res, garbage.status, garbage.body, garbage.headers);
    }
  }
}

function reportInternalError(error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`workflow-dlq emulator: ${detail}\n`);
}

export function createRequestListener(ctx: HttpContext): RequestListener {
  return (req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      reportInternalError(error);
      if (!res.headersSent) sendJson(res, 500, { error: "internal server error" });
      else res.destroy();
    });
  };
}
