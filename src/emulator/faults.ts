import type { ServerResponse } from "node:http";
import { HEADERS } from "../wire/types.js";

export const FAULT_KINDS = [
  "429-burst",
  "429-daily",
  "429-retry-after",
  "500",
  "502",
  "503",
  "504",
  "reset-before",
  "reset-after",
  "slow",
  "malformed-json",
  "wrong-shape",
  "huge-body",
  "repeat-cursor",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a fault's `match` sees of an incoming API request. */
export interface FaultRequest {
  method: string;
  path: string;
  query: [string, string][];
}

export interface Fault {
  kind: FaultKind;
  /** Defaults to every authenticated API request. */
  match?: (req: FaultRequest) => boolean;
  /** How many requests the fault hits; default 1, `Infinity` for a permanently broken server. */
  times?: number;
  /** Let this many matching requests through untouched first. */
  after?: number;
  /** Wait this long before the faulty answer; for "slow", the wait after processing (default 1000). */
  delayMs?: number;
  /** "huge-body": how many bytes to stream (default 50 MB). */
  bytes?: number;
  /** "repeat-cursor": cursor to return when the request carried none. */
  cursor?: string;
  /** "429-burst" / "429-daily": the Reset header, Unix seconds. */
  resetAt?: number;
}

export const DEFAULT_HUGE_BODY_BYTES = 50 * 1024 * 1024;
export const DEFAULT_SLOW_DELAY_MS = 1000;

/** Faults that answer instead of the server: nothing is processed. */
const BEFORE_PROCESSING: ReadonlySet<FaultKind> = new Set([
  "429-burst",
  "429-daily",
  "429-retry-after",
  "500",
  "502",
  "503",
  "504",
  "reset-before",
]);

export function processesRequest(kind: FaultKind): boolean {
  return !BEFORE_PROCESSING.has(kind);
}

interface Rule {
  fault: Fault;
  seen: number;
  remaining: number;
}

function validateFault(fault: Fault): void {
  if (!FAULT_KINDS.includes(fault.kind)) throw new TypeError(`unknown fault kind: ${String(fault.kind)}`);
  const times = fault.times ?? 1;
  if (!(times === Number.POSITIVE_INFINITY || (Number.isSafeInteger(times) && times >= 1))) {
    throw new RangeError("fault.times must be a positive integer or Infinity");
  }
  const after = fault.after ?? 0;
  if (!Number.isSafeInteger(after) || after < 0)
    throw new RangeError("fault.after must be a non-negative integer");
  if (fault.delayMs !== undefined && !(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) {
    throw new RangeError("fault.delayMs must be a non-negative number");
  }
  if (fault.bytes !== undefined && !(Number.isSafeInteger(fault.bytes) && fault.bytes >= 0)) {
    throw new RangeError("fault.bytes must be a non-negative integer");
  }
}

/**
 * Rules apply in injection order. Each rule counts every matching request towards its own
 * `after`, whether or not an earlier rule took it, so rules can be scheduled independently.
 */
export class FaultInjector {
  private rules: Rule[] = [];

  add(fault: Fault): void {
    validateFault(fault);
    this.rules.push({ fault: { ...fault }, seen: 0, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules that can still fire. */
  get pending(): number {
    return this.rules.length;
  }

  take(req: FaultRequest): Fault | undefined {
    let chosen: Rule | undefined;
    for (const rule of this.rules) {
      if (rule.fault.match && !rule.fault.match(req)) continue;
      rule.seen++;
      if (chosen === undefined && rule.seen > (rule.fault.after ?? 0)) chosen = rule;
    }
    if (!chosen) return undefined;
    chosen.remaining--;
    if (chosen.remaining <= 0) this.rules = this.rules.filter((r) => r !== chosen);
    return chosen.fault;
  }
}

export interface FaultResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function nextUtcMidnightSeconds(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) / 1000;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): FaultResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(value),
});

/** The answer a before-processing fault gives in place of the server's. */
export function rejectionFor(fault: Fault, now = Date.now()): FaultResponse | "reset" {
  switch (fault.kind) {
    case "429-burst":
      return json(
        429,
        { error: "Too many requests: burst rate limit exceeded" },
        {
          [HEADERS.burstLimit]: "100",
          [HEADERS.burstRemaining]: "0",
          [HEADERS.burstReset]: String(fault.resetAt ?? Math.ceil(now / 1000) + 1),
        },
      );
    case "429-daily":
      return json(
        429,
        { error: "Too many requests: daily request limit exceeded" },
        {
          [HEADERS.dailyLimit]: "500000",
          [HEADERS.dailyRemaining]: "0",
          [HEADERS.dailyReset]: String(fault.resetAt ?? nextUtcMidnightSeconds(now)),
        },
      );
    case "429-retry-after":
      return json(429, { error: "Too many requests" }, { [HEADERS.retryAfter]: "1" });
    case "500":
      return json(500, { error: "internal server error" });
    case "502":
      return json(502, { error: "bad gateway" });
    case "503":
      return json(503, { error: "service unavailable" });
    case "504":
      return json(504, { error: "gateway timeout" });
    case "reset-before":
      return "reset";
    default:
      throw new TypeError(`${fault.kind} is not a before-processing fault`);
  }
}

/** The broken 200 answers that replace a processed request's real one. */
export function garbageFor(fault: Fault): FaultResponse | undefined {
  switch (fault.kind) {
    case "malformed-json":
      return { status: 200, headers: { "content-type": "application/json" }, body: '{"workflowRuns": [' };
    case "wrong-shape":
      return json(200, { runs: 5 });
    default:
      return undefined;
  }
}

const FILLER_CHUNK = Buffer.from(
  '{"workflowRunId":"wfr_fillerfillerfillerfil","workflowCreatedAt":1700000000000},'.repeat(800),
  "utf8",
);

/**
 * Streams exactly `bytes` of JSON-looking data with no length header, one chunk at a time,
 * so a client has to enforce its own size limit while reading.
 */
export async function streamHugeBody(res: ServerResponse, bytes: number): Promise<void> {
  res.writeHead(200, { "content-type": "application/json" });
  const opening = Buffer.from('{"workflowRuns":[', "utf8");
  let left = bytes;
  const write = async (chunk: Buffer): Promise<boolean> => {
    if (res.destroyed) return false;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
    return !res.destroyed;
  };
  if (left > 0 && !(await write(opening.subarray(0, Math.min(left, opening.length))))) return;
  left -= Math.min(left, opening.length);
  while (left > 0) {
    const chunk = left >= FILLER_CHUNK.length ? FILLER_CHUNK : FILLER_CHUNK.subarray(0, left);
    if (!(await write(chunk))) return;
    left -= chunk.length;
  }
  res.end();
}
