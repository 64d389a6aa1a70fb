/**
 * The one cursor codec. Every cursor a tool hands out says what it belongs to — the tool and a
 * fingerprint of the selection — so a cursor passed to another tool, or with another filter or
 * id list, is refused before anything is sent. Inside it: QStash's own cursor, the snapshot
 * time of the operation, for id lists how far the list got, and for a listing cut mid-page the
 * entry it stopped after. A cursor of an action is an
 * allowed operation and nothing more: it also binds the options the user saw (flow control,
 * retries, label), whether the user confirmed it, how many more entries it may change, and when
 * it stops being honoured.
 */
import { createHmac, hash, timingSafeEqual } from "node:crypto";
import type { ListAnchor } from "./list.js";

const PREFIX = "wdlq1.";

export interface IdProgress {
  /** Every id before this index was handled. */
  offset: number;
  /** Half-open index ranges past the offset that were handled too, sorted and disjoint. */
  done: [number, number][];
  /** Ranges whose request's answer was lost: missing ids there were most likely resumed by it. */
  uncertain: [number, number][];
}

export interface CursorState {
  /** The tool that issued it. */
  tool: string;
  /** Fingerprint of the selection it continues. */
  selection: string;
  /** QStash's cursor for the next request; absent: from the start of the operation. */
  next?: string;
  /** Snapshot of a filter or all operation: entries that entered the DLQ after this are left alone. */
  until?: number;
  /** Listing: the entry of the page at `next` after which the listing goes on. */
  after?: ListAnchor;
  /** Id lists: what earlier calls handled. */
  ids?: IdProgress;
  /** Actions: fingerprint of the options (flow control, retries, label) the operation runs with. */
  options?: string;
  /** Actions: the user confirmed this operation (by elicitation or a confirm token). */
  confirmed?: boolean;
  /** Actions: entries the operation may still change (what it was counted or confirmed at, less what it did). */
  allowance?: number;
  /** Actions not confirmed: the operation's own id, so a session counts its reservation once. */
  operation?: string;
  /** Gated actions: after this (Unix ms, the issuing replica's clock) the cursor is refused. */
  expiresAt?: number;
}

interface Wire {
  t: string;
  s: string;
  n?: string;
  u?: number;
  k?: number;
  m?: WireAnchor;
  o?: number;
  d?: [number, number][];
  q?: [number, number][];
  p?: string;
  c?: 1;
  a?: number;
  r?: string;
  x?: number;
}

/** A list anchor on the wire: ids, time, 1 when every entry at that time was taken, order (1 newest first). */
interface WireAnchor {
  i: string[];
  t?: number;
  a?: 1;
  o?: 1 | -1;
}

/**
 * The cursor as a result hands it out. With `key` it is sealed: a cursor is trusted to continue an
 * operation that was already allowed (confirmed when it was large), so one that no call of this
 * deployment returned must not pass.
 */
export function encodeCursor(state: CursorState, key?: Buffer): string {
  const wire: Wire = { t: state.tool, s: state.selection };
  if (state.next !== undefined) wire.n = state.next;
  if (state.until !== undefined) wire.u = state.until;
  if (state.after) {
    const { dlqIds, createdAt, allAtTime, order, index } = state.after;
    wire.k = index;
    wire.m = { i: dlqIds };
    if (createdAt !== undefined) wire.m.t = createdAt;
    if (allAtTime) wire.m.a = 1;
    if (order !== undefined) wire.m.o = order === "newestFirst" ? 1 : -1;
  }
  if (state.ids) {
    wire.o = state.ids.offset;
    if (state.ids.done.length) wire.d = state.ids.done;
    if (state.ids.uncertain.length) wire.q = state.ids.uncertain;
  }
  if (state.options !== undefined) wire.p = state.options;
  if (state.confirmed) wire.c = 1;
  if (state.allowance !== undefined) wire.a = state.allowance;
  if (state.operation !== undefined) wire.r = state.operation;
  if (state.expiresAt !== undefined) wire.x = state.expiresAt;
  const body = Buffer.from(JSON.stringify(wire), "utf8").toString("base64url");
  return key ? `${PREFIX}${body}.${seal(key, body)}` : `${PREFIX}${body}`;
}

/** 128 bits of HMAC: enough that no cursor can be made up, short enough to keep cursors small. */
function seal(key: Buffer, body: string): string {
  return createHmac("sha256", key).update(body).digest().subarray(0, 16).toString("base64url");
}

function sealed(key: Buffer, body: string, signature: string): boolean {
  const expected = Buffer.from(seal(key, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The cursor, within `maxChars` when it can be: an id list's progress ranges are what grows, and
 * without them the continuation re-sends handled ids, which QStash then reports as gone. Nothing
 * is resumed twice either way.
 */
export function encodeCursorWithin(state: CursorState, maxChars: number, key?: Buffer): string {
  const full = encodeCursor(state, key);
  if (full.length <= maxChars || !state.ids) return full;
  return encodeCursor({ ...state, ids: { offset: state.ids.offset, done: [], uncertain: [] } }, key);
}

export interface CursorExpectation {
  tool: string;
  selection: string;
  /** How the caller should describe the selection in an error ("filter", "dlqIds list" …). */
  describe: string;
  /** Id lists: the list's length, to check the ranges against. */
  idCount?: number;
  /** Actions: the fingerprint of this call's options, which must be the operation's. */
  options?: string;
  /** The time to check an expiry against. */
  now?: number;
}

/** The cursor's state, or a message that says how to fix the call. */
export function decodeCursor(
  cursor: string,
  expected: CursorExpectation,
  key?: Buffer,
): CursorState | string {
  const wire = parse(cursor, key);
  if (!wire) {
    return `This cursor was not returned by this server. Pass a cursor exactly as a result gave it, or leave it out to start from the beginning.`;
  }
  if (wire.t !== expected.tool) {
    return `This cursor was returned by ${wire.t}, not ${expected.tool}: continue with the tool that returned it, or leave cursor out to start ${expected.tool} from the beginning.`;
  }
  if (wire.s !== expected.selection) {
    return `This cursor belongs to a different ${expected.describe}: pass exactly the ${expected.describe} of the call that returned it, or leave cursor out to start this selection from the beginning.`;
  }
  if ((wire.p ?? undefined) !== expected.options) {
    return `This cursor continues an operation with other options (flowControl, retries or label) than this call: a cursor carries only what was allowed. Pass exactly the options of the call that returned it, or leave cursor out to start a new operation with these (a large one is asked about first).`;
  }
  if (wire.x !== undefined && wire.x < (expected.now ?? Date.now())) {
    return `This cursor has expired: an operation that changes the DLQ is continued by cursor for an hour at most, and what it was allowed to do then no longer covers what is in the DLQ now. Call again without cursor: what is left is sized anew and asked about if it is large (nothing already done is done twice).`;
  }
  const state: CursorState = { tool: wire.t, selection: wire.s };
  if (wire.p !== undefined) state.options = wire.p;
  if (wire.c === 1) state.confirmed = true;
  if (wire.a !== undefined) state.allowance = wire.a;
  if (wire.r !== undefined) state.operation = wire.r;
  if (wire.x !== undefined) state.expiresAt = wire.x;
  if (wire.n !== undefined) state.next = wire.n;
  if (wire.u !== undefined) state.until = wire.u;
  // A cursor with only an index (`k`) was cut by a server that anchored on it; it still continues.
  if (wire.k !== undefined || wire.m !== undefined) {
    const anchor = wire.m;
    state.after = {
      dlqIds: anchor?.i ?? [],
      index: wire.k ?? 0,
      ...(anchor?.t === undefined ? {} : { createdAt: anchor.t }),
      ...(anchor?.a === 1 ? { allAtTime: true } : {}),
      ...(anchor?.o === undefined ? {} : { order: anchor.o === 1 ? "newestFirst" : "oldestFirst" }),
    };
  }
  if (wire.o !== undefined) {
    const ids: IdProgress = { offset: wire.o, done: wire.d ?? [], uncertain: wire.q ?? [] };
    if (expected.idCount === undefined || !rangesFit(ids, expected.idCount)) {
      return `This cursor belongs to a different ${expected.describe}: pass exactly the ${expected.describe} of the call that returned it.`;
    }
    state.ids = ids;
  } else if (expected.idCount !== undefined) {
    return `This cursor does not continue a dlqIds list: pass the dlqIds of the call that returned it with its cursor.`;
  }
  return state;
}

/** A short, stable fingerprint of what a cursor continues. */
export function fingerprint(value: unknown): string {
  // JSON keeps the parts apart whatever characters they hold (ids may contain any separator).
  return hash("sha256", JSON.stringify(value), "base64url").slice(0, 16);
}

/** Index ranges covering a set of indexes, for the cursor. */
export function rangesOf(indexes: Iterable<number>): [number, number][] {
  const ranges: [number, number][] = [];
  for (const index of [...indexes].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && last[1] === index) last[1] = index + 1;
    else ranges.push([index, index + 1]);
  }
  return ranges;
}

export function indexesOf(ranges: readonly [number, number][]): Set<number> {
  const indexes = new Set<number>();
  for (const [start, end] of ranges) for (let index = start; index < end; index++) indexes.add(index);
  return indexes;
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isAnchor = (value: unknown): value is WireAnchor => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const anchor = value as Record<string, unknown>;
  return (
    Object.keys(anchor).every((key) => ["i", "t", "a", "o"].includes(key)) &&
    Array.isArray(anchor.i) &&
    anchor.i.length <= 100 &&
    anchor.i.every((id) => typeof id === "string" && id !== "") &&
    (anchor.t === undefined || Number.isSafeInteger(anchor.t)) &&
    (anchor.a === undefined || anchor.a === 1) &&
    (anchor.o === undefined || anchor.o === 1 || anchor.o === -1)
  );
};
const isRanges = (value: unknown): value is [number, number][] =>
  Array.isArray(value) &&
  value.length <= 10_000 &&
  value.every(
    (range) => Array.isArray(range) && range.length === 2 && isCount(range[0]) && isCount(range[1]),
  );

function parse(cursor: string, key: Buffer | undefined): Wire | undefined {
  if (!cursor.startsWith(PREFIX)) return undefined;
  const [body = "", signature, ...rest] = cursor.slice(PREFIX.length).split(".");
  if (!/^[A-Za-z0-9_-]+$/.test(body) || rest.length > 0) return undefined;
  if (key && (signature === undefined || !sealed(key, body, signature))) return undefined;
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  return isWire(wire) ? wire : undefined;
}

/** Ranges lie past the offset, in order, within the list. */
function rangesFit(ids: IdProgress, length: number): boolean {
  if (ids.offset > length) return false;
  let previousEnd = ids.offset;
  const ordered = ids.done.every(([start, end]) => {
    const ok = start > previousEnd && start < end && end <= length;
    previousEnd = end;
    return ok;
  });
  return ordered && ids.uncertain.every(([start, end]) => start < end && end <= length);
}

/** Whether a decoded body is a cursor of this server's shape, every field checked. */
function isWire(wire: unknown): wire is Wire {
  if (typeof wire !== "object" || wire === null || Array.isArray(wire)) return false;
  const w: Record<string, unknown> = { ...wire };
  const known = new Set(["t", "s", "n", "u", "k", "m", "o", "d", "q", "p", "c", "a", "r", "x"]);
  if (Object.keys(w).some((key) => !known.has(key))) return false;
  if (typeof w.t !== "string" || typeof w.s !== "string") return false;
  if (w.n !== undefined && (typeof w.n !== "string" || w.n === "")) return false;
  if (w.u !== undefined && !isCount(w.u)) return false;
  if (w.k !== undefined && !isCount(w.k)) return false;
  if (w.m !== undefined && !isAnchor(w.m)) return false;
  if (w.o !== undefined && !isCount(w.o)) return false;
  if (w.d !== undefined && !isRanges(w.d)) return false;
  if (w.q !== undefined && !isRanges(w.q)) return false;
  if (w.p !== undefined && (typeof w.p !== "string" || w.p === "")) return false;
  if (w.c !== undefined && w.c !== 1) return false;
  if (w.a !== undefined && !isCount(w.a)) return false;
  if (w.r !== undefined && (typeof w.r !== "string" || w.r === "")) return false;
  if (w.x !== undefined && !isCount(w.x)) return false;
  return true;
}
