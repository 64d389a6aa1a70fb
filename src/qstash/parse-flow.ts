/**
 * Flow-control keys as QStash reports them: an unset limit (0 or left out) read as no limit.
 */

import { listIn, shapeError } from "./parse.js";

/**
 * A flow-control key as this server reports it, whichever of QStash's spellings came back. QStash
 * leaves zero counts and false flags out (qstash-js commit 0a003f6: "the server omits
 * parallelismCount when it's 0"; qstash-py's `parse_flow_control_info` defaults every field,
 * `waitListSize` included, to 0 or false), so a drained key may come back as its name alone: each
 * absent count is 0 and each absent flag false, as those clients read them.
 */
export interface FlowKeyInfo {
  key: string;
  waitlistSize: number;
  /**
   * Undefined: no parallelism limit. The official clients read an unset limit as 0 (qstash-js
   * types every limit as a number; qstash-py defaults it to 0), and a limit of 0 would let
   * nothing through, so 0 is read as "no limit", never as a limit.
   */
  parallelismMax?: number;
  parallelismCount: number;
  /** Undefined: no rate limit, as for `parallelismMax`. */
  rateMax?: number;
  rateCount: number;
  /** Seconds; undefined when QStash gave none (or 0). */
  ratePeriod?: number;
  isPaused: boolean;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
}

export function parseFlowKey(body: unknown, where: string): FlowKeyInfo {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw shapeError(where);
  const value = body as Record<string, unknown>;
  const key = value.flowControlKey;
  // The OpenAPI spells it waitlistSize, the clients and QStash's REST pages waitListSize.
  const waiting = value.waitlistSize ?? value.waitListSize ?? 0;
  if (typeof key !== "string" || key === "" || typeof waiting !== "number") throw shapeError(where);
  // A field of another type is read as absent: this is a status read, and one odd field should
  // not hide the waitlist, the figure a redrive is watched by.
  const count = (name: string) => (typeof value[name] === "number" ? (value[name] as number) : 0);
  const limit = (name: string) => (count(name) > 0 ? count(name) : undefined);
  const flag = (name: string) => value[name] === true;
  const info: FlowKeyInfo = {
    key,
    waitlistSize: waiting,
    parallelismCount: count("parallelismCount"),
    rateCount: count("rateCount"),
    isPaused: flag("isPaused"),
    isPinnedParallelism: flag("isPinnedParallelism"),
    isPinnedRate: flag("isPinnedRate"),
  };
  const parallelismMax = limit("parallelismMax");
  const rateMax = limit("rateMax");
  const ratePeriod = limit("ratePeriod");
  if (parallelismMax !== undefined) info.parallelismMax = parallelismMax;
  if (rateMax !== undefined) info.rateMax = rateMax;
  if (ratePeriod !== undefined) info.ratePeriod = ratePeriod;
  return info;
}

/**
 * The key list: an array (the OpenAPI), or `{flowControls: [...]}` as QStash's earlier REST pages
 * show it. No keys at all may come as `null` (how an encoder such as Go's writes a list it was
 * never given) or with the list left out.
 */
export function parseFlowKeys(body: unknown, where: string): FlowKeyInfo[] {
  const list = Array.isArray(body) || body === null ? (body ?? []) : listIn(body, "flowControls", []);
  if (list === undefined) throw shapeError(where);
  return list.map((item) => parseFlowKey(item, where));
}
