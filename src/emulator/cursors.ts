/**
 * The order the DLQ keeps its entries in (createdAt, then dlqId) and the cursors that continue a
 * listing in it. A cursor names a key, not a position, so it stays valid while entries come and go.
 */

export interface SortKey {
  createdAt: number;
  dlqId: string;
}

/**
 * A cursor means "everything after this entry in listing order", so it survives removal of the
 * entries before it. Listed newest first, "after" is older: a cursor continues toward older
 * entries, as QStash's do (its published list example hands out a cursor older than the entry it
 * follows), and new failures land before it, never on a later page.
 */
export type Cursor = SortKey;

export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.dlqId < b.dlqId ? -1 : a.dlqId > b.dlqId ? 1 : 0;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(["k", cursor.createdAt, cursor.dlqId]), "utf8").toString("base64url");
}

/** Returns undefined for anything this emulator did not issue. */
export function decodeCursor(value: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw)) return undefined;
  if (raw.length === 3 && raw[0] === "k" && Number.isSafeInteger(raw[1]) && typeof raw[2] === "string") {
    return { createdAt: raw[1], dlqId: raw[2] };
  }
  return undefined;
}

/**
 * A cursor for "from the start", in either order: used when a fault has to hand out a cursor that
 * leads back to the first page.
 */
export const START_CURSOR = Buffer.from(JSON.stringify(["s"]), "utf8").toString("base64url");
