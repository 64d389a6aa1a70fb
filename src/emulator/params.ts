/**
 * Reads a DLQ request's query and headers the way QStash does, and refuses what it refuses: a
 * lenient emulator would let a client bug that the real server rejects pass every test.
 */
import type { IncomingMessage } from "node:http";
import {
  DEFAULT_BULK_COUNT,
  FAILURE_FUNCTION_STATES,
  type FailureFunctionState,
  FILTER_QUERY_FIELDS,
  type FilterQueryField,
  HEADERS,
  RESOURCE_NAME_PATTERN,
  SERVER_MULTI_VALUE_FILTER_FIELDS,
} from "../wire/types.js";
import type { DlqFilter, Selection } from "./filters.js";
import type { ResumeOverrides } from "./redrive.js";

/** Flow-control periods QStash accepts, in seconds: one second up to one week. */
const MIN_PERIOD_SECONDS = 1;
const MAX_PERIOD_SECONDS = 7 * 24 * 60 * 60;

export class BadRequest extends Error {}

export function single(params: URLSearchParams, name: string): string | undefined {
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
export function parseCount(params: URLSearchParams): number {
  const raw = single(params, "count");
  if (raw === undefined) return DEFAULT_BULK_COUNT;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new BadRequest(`count must be a positive integer, got "${raw}"`);
  return parsed;
}

/** An empty cursor is how clients say "from the start". */
export function parseCursor(params: URLSearchParams): string | undefined {
  const raw = single(params, "cursor");
  return raw === undefined || raw === "" ? undefined : raw;
}

/**
 * A typo'd filter must not be dropped: the request would then act on the whole DLQ. The error
 * names every parameter the endpoint does not take.
 */
export function refuseUnknownParams(params: URLSearchParams, known: ReadonlySet<string>): void {
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
export function parseFilter(params: URLSearchParams, legacy = false): DlqFilter | undefined {
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
export function checkSource(params: URLSearchParams): void {
  const source = single(params, "source");
  if (source !== undefined && source !== "workflow") {
    throw new BadRequest(
      `source must be "workflow": this emulator holds only workflow messages, got "${source}"`,
    );
  }
}

/** `dlqIds` wins over filters, filters over "all", as on the real server. */
export function parseSelection(params: URLSearchParams): Selection {
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
const FLOW_CONTROL_SHAPE =
  'Upstash-Flow-Control-Value must look like "parallelism=<n>, rate=<n>, period=<duration>" with parallelism or rate';

/**
 * Undefined when the value is acceptable, else what is wrong with it. The parts may come in any
 * order: the Workflow OpenAPI gives the format as `parallelism=<value>, rate=<value>,
 * period=<value>` without saying the order matters, so a client writing them otherwise must not
 * fail here and pass against QStash. A part given twice is refused: which one QStash would keep
 * is not documented, and a client should not depend on it.
 */
function flowControlValueProblem(value: string): string | undefined {
  const seen = new Set<string>();
  let limited = false;
  for (const part of value.split(",")) {
    const match = /^(parallelism|rate|period)=(.*)$/.exec(part.trim());
    if (!match) return FLOW_CONTROL_SHAPE;
    const name = match[1] as string;
    const amount = match[2] as string;
    if (seen.has(name)) return `Upstash-Flow-Control-Value gives ${name} more than once`;
    seen.add(name);
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

export function parseOverrides(req: IncomingMessage): ResumeOverrides {
  const overrides: ResumeOverrides = {};
  const retries = header(req, HEADERS.retries);
  if (retries !== undefined) {
    const parsed = /^\d+$/.test(retries.trim()) ? Number(retries.trim()) : Number.NaN;
    if (!(Number.isInteger(parsed) && parsed >= 0 && parsed <= 100)) {
      throw new BadRequest(`Upstash-Retries must be an integer between 0 and 100, got "${retries}"`);
    }
    overrides.retries = parsed;
  }
  const label = header(req, HEADERS.label);
  if (label !== undefined) {
    // "You can assign multiple labels by providing a comma-separated list" (Workflow OpenAPI,
    // Upstash-Label on resume and restart): the run gets them all in `labels`, the first also in
    // the deprecated `label`, as `@upstash/workflow` describes a run with several labels.
    const labels = [...new Set(label.split(",").map((part) => part.trim()))];
    if (!labels.every((part) => RESOURCE_NAME_PATTERN.test(part))) {
      throw new BadRequest(
        "Upstash-Label may only contain letters, digits, hyphens, underscores and periods, several separated by commas",
      );
    }
    overrides.label = labels[0] as string;
    if (labels.length > 1) overrides.labels = labels;
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
