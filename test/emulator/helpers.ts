import { request } from "undici";
import type { Emulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";

export const TOKEN = "emulator-test-token";
/** A fixed clock keeps generated data identical across runs. */
export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

export interface CallOptions {
  query?: [string, string][];
  headers?: Record<string, string>;
  /** null sends no Authorization header. */
  token?: string | null;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON bodies
  json: any;
}

export function withQuery(path: string, query: [string, string][] = []): string {
  const qs = new URLSearchParams(query).toString();
  return qs === "" ? path : `${path}?${qs}`;
}

export async function call(
  emu: Emulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const token = options.token === undefined ? TOKEN : options.token;
  const headers: Record<string, string> = { ...options.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await request(`${emu.url}${withQuery(path, options.query)}`, {
    method: method as "GET",
    headers,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

export const ids = (...values: string[]): [string, string][] => values.map((v) => ["dlqIds", v]);

let counter = 0;

/** A minimal but complete-looking DLQ message; tests override what they filter on. */
export function message(overrides: Partial<DlqMessage> = {}): DlqMessage {
  counter++;
  const n = String(counter).padStart(4, "0");
  return {
    dlqId: `dlq_test${n}`,
    workflowRunId: `wfr_test${n}`,
    workflowUrl: "https://api.acme-shop.example/api/workflows/payments",
    workflowCreatedAt: NOW - 100_000 - counter,
    url: "https://api.acme-shop.example/api/workflows/payments",
    method: "POST",
    header: { "Content-Type": ["application/json"] },
    body: '{"orderId":"ord_1"}',
    maxRetries: 3,
    createdAt: NOW - 50_000 + counter,
    callerIP: "203.0.113.10",
    responseStatus: 500,
    responseBody: '{"error":"Internal Server Error"}',
    ...overrides,
  };
}

/** Indexing that fails loudly instead of yielding undefined. */
export function nth<T>(items: readonly T[], index: number): T {
  const item = items.at(index);
  if (item === undefined) throw new RangeError(`no item at index ${index} of ${items.length}`);
  return item;
}

export function defined<T>(value: T | undefined, what = "value"): T {
  if (value === undefined) throw new TypeError(`${what} is undefined`);
  return value;
}
