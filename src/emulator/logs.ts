/**
 * `GET /v2/workflows/logs` as the emulator can answer it: the query's parameters checked, the runs
 * (`log-runs.ts`) it selects, newest first, paged by cursor, their bodies cut by `trimBody`.
 */
import { type LogRun, RUN_STATES } from "./log-runs.js";
import { BadRequest } from "./params.js";

/** Runs per page: the published API serves at most 10 runs a page, and 10 by default. */
const MAX_LOG_COUNT = 10;
const DEFAULT_LOG_COUNT = 10;

/**
 * `trimBody`: bodies cut to this many bytes, or left out at -1 (the default), as the published
 * API does.
 */
export function trimmedBodies(run: LogRun, trimBody: number): LogRun {
  const trim = (body: string | undefined) => {
    if (body === undefined || trimBody < 0) return undefined;
    const bytes = Buffer.from(body, "utf8");
    return bytes.length <= trimBody
      ? body
      : bytes
          .subarray(0, trimBody)
          .toString("utf8")
          .replace(/\uFFFD$/, "");
  };
  const withBody = <T extends object>(value: T, key: string): T => {
    const { [key]: body, ...rest } = value as Record<string, unknown>;
    const kept = trim(body as string | undefined);
    return (kept === undefined ? rest : { ...rest, [key]: kept }) as T;
  };
  const trimmed: LogRun = {
    ...run,
    steps: run.steps.map((group) =>
      group.type === "next"
        ? {
            ...group,
            steps: group.steps.map((step) =>
              step.errors
                ? {
                    ...step,
                    errors: step.errors.map((error) => ({ ...error, body: trim(error.body) ?? "" })),
                  }
                : step,
            ),
          }
        : { ...group, steps: group.steps.map((step) => withBody(step, "callResponseBody")) },
    ),
  };
  if (run.failureFunction) {
    trimmed.failureFunction = withBody(
      { ...run.failureFunction, failResponse: trim(run.failureFunction.failResponse) ?? "" },
      "responseBody",
    );
  }
  return trimmed;
}

/** The query parameters the logs endpoint takes; the router refuses any other. */
export const LOG_PARAMS: ReadonlySet<string> = new Set([
  "cursor",
  "count",
  "workflowRunId",
  "workflowCreatedAt",
  "workflowRuns",
  "state",
  "fromDate",
  "toDate",
  "label",
  "flowControlKey",
  "workflowUrl",
  "callerIp",
  "trimBody",
]);

/** The page of runs the query selects, newest first. */
export function answerLogs(
  runs: readonly LogRun[],
  params: URLSearchParams,
): { runs: LogRun[]; cursor?: string } {
  const state = params.get("state");
  if (state !== null && !(RUN_STATES as readonly string[]).includes(state)) {
    throw new BadRequest(`invalid state: ${state}`);
  }
  const pairs = params.get("workflowRuns");
  const wanted = pairs
    ? new Set(
        pairs.split(",").map((pair) => {
          if (!/^[^@]+@\d+$/.test(pair)) throw new BadRequest(`invalid workflowRuns entry: ${pair}`);
          return pair;
        }),
      )
    : undefined;
  const number = (name: string) => {
    const value = params.get(name);
    if (value === null) return undefined;
    if (!/^\d+$/.test(value)) throw new BadRequest(`${name} must be Unix milliseconds`);
    return Number(value);
  };
  const from = number("fromDate");
  const to = number("toDate");
  const createdAt = number("workflowCreatedAt");
  const labels = params.getAll("label").flatMap((value) => value.split(","));
  const matching = runs.filter((run) => {
    if (wanted) return wanted.has(`${run.workflowRunId}@${run.workflowRunCreatedAt}`);
    if (params.get("workflowRunId") !== null && run.workflowRunId !== params.get("workflowRunId"))
      return false;
    if (createdAt !== undefined && run.workflowRunCreatedAt !== createdAt) return false;
    if (state !== null && run.workflowState !== state) return false;
    // Several labels match a run that has any of them (the OpenAPI's multi-value label filter).
    if (
      labels.length > 0 &&
      ![run.label, ...(run.labels ?? [])].some((l) => l !== undefined && labels.includes(l))
    )
      return false;
    if (params.get("flowControlKey") !== null && run.flowControlKey !== params.get("flowControlKey"))
      return false;
    if (params.get("workflowUrl") !== null && run.workflowUrl !== params.get("workflowUrl")) return false;
    if (from !== undefined && run.workflowRunCreatedAt < from) return false;
    if (to !== undefined && run.workflowRunCreatedAt > to) return false;
    return true;
  });
  matching.sort(
    (a, b) => b.workflowRunCreatedAt - a.workflowRunCreatedAt || (a.workflowRunId < b.workflowRunId ? -1 : 1),
  );
  const rawCount = params.get("count");
  const count = rawCount === null ? DEFAULT_LOG_COUNT : Number(rawCount);
  if (!Number.isInteger(count) || count < 1)
    throw new BadRequest(`count must be a positive integer, got "${rawCount}"`);
  const rawCursor = params.get("cursor");
  const offset = rawCursor ? Number(Buffer.from(rawCursor, "base64url").toString("utf8")) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new BadRequest("invalid cursor");
  const rawTrim = params.get("trimBody");
  const trimBody = rawTrim === null ? -1 : Number(rawTrim);
  if (!Number.isInteger(trimBody) || trimBody < -1)
    throw new BadRequest(`trimBody must be a byte count or -1, got "${rawTrim}"`);
  const page = matching
    .slice(offset, offset + Math.min(count, MAX_LOG_COUNT))
    .map((run) => trimmedBodies(run, trimBody));
  const next = offset + page.length;
  return next < matching.length
    ? { runs: page, cursor: Buffer.from(String(next), "utf8").toString("base64url") }
    : { runs: page };
}
