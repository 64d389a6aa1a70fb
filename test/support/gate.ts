/**
 * What the confirmation-gate suites share: a gated call's result as they read it, the requests
 * that change something, and DLQ entries made to order.
 */
import type { FaultRequest } from "../../src/emulator/faults.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW, seededMessages } from "./data.js";

export interface Gated {
  stopReason: string;
  complete: boolean;
  confirm?: string;
  cursor?: string;
  resumed?: number;
  restarted?: number;
  deleted?: number;
  applied?: boolean;
  warnings?: string[];
  keys?: { key: string; rate?: { max?: number; periodSeconds?: number }; paused?: boolean }[];
}

export const gated = (result: { structuredContent?: unknown }) => (result.structuredContent ?? {}) as Gated;

type Request = { method: string; path: string };

/** A request that changes the DLQ: a resume, a restart or a delete. */
export const CHANGES = (r: Request) =>
  r.method === "DELETE" || (r.method === "POST" && r.path.startsWith("/v2/workflows/dlq/re"));
export const FLOW_CHANGES = (r: Request) => r.method === "POST" && r.path.startsWith("/v2/flowControl/");
export const CALLBACKS = (r: Request) =>
  r.method === "POST" && r.path.startsWith("/v2/workflows/dlq/callback/");
export const isList = (req: FaultRequest) => req.method === "GET" && req.path === "/v2/workflows/dlq";

/**
 * `count` entries with one label (none when undefined), ids `${prefix}-N`, created `stepMs` apart,
 * the last one `stepMs` before `createdAt`.
 */
export function labelled(
  label: string | undefined,
  count: number,
  prefix: string,
  createdAt = FIXED_NOW,
  stepMs = 60_000,
): DlqMessage[] {
  return seededMessages({ entries: count, seed: 41 }).map((message, index) => {
    const { label: _label, labels: _labels, ...rest } = message;
    return {
      ...rest,
      dlqId: `${prefix}-${index}`,
      ...(label === undefined ? {} : { label }),
      createdAt: createdAt - (count - index) * stepMs,
    };
  });
}
