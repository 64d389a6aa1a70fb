/**
 * The emulator's request listener: each API request is authorised, delayed by the configured
 * latency, recorded, and then answered or broken by the next matching fault, so a client meets
 * the failures it would meet from QStash, at moments a test chooses.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { setTimeout as delay, setImmediate as nextTurn } from "node:timers/promises";
import { CONTROL_PREFIX, control, type EmulatorControl } from "./control.js";
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
import { type Route, route, runApi } from "./routes.js";
import type { DlqStore } from "./store.js";

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

/** What the listener needs; the control endpoints' state and reset among it. */
export interface HttpContext extends EmulatorControl {
  token: string;
  store: DlqStore;
  faults: FaultInjector;
  requests: RecordedRequest[];
  /** API requests taken up and not yet finished: a test can act while one waits out the latency. */
  inFlight: number;
  /** The request log keeps at most this many, oldest dropped first. */
  maxRecordedRequests: number;
  latencyMs: number;
  /** Aborted on shutdown so pending delays do not hold the process open. */
  signal: AbortSignal;
}

export const UNAUTHORIZED_MESSAGE = "Unauthorized: invalid or missing token";

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

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    sendRaw(res, status, "", headers);
    return;
  }
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
  ctx.inFlight += 1;
  try {
    await handleApi(ctx, req, res, url, method, at);
  } finally {
    ctx.inFlight -= 1;
  }
}

async function handleApi(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
  at: number,
): Promise<void> {
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
