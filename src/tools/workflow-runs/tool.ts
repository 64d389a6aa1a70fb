/**
 * workflow_runs: did the redrive work? The outcome of runs, by the list a resume result gave or
 * by label, workflow and time, from the logs API: counts by state, and the runs that failed
 * again with the step they failed at. Read-only, bounded and continued by cursor.
 */

import { decodeCursor, encodeCursor, fingerprint } from "../../engine/cursor.js";
import { runPages } from "../../engine/pages.js";
import { errorInfo, fitting, plural, structuredResult, toolError } from "../../mcp/results.js";
import { ArgumentError, defineTool } from "../../mcp/tool.js";
import { SUMMARY_MAX_CHARS } from "../../policy.js";
import type { LoggedRun } from "../../qstash/parse-logs.js";
import type { QueryParams } from "../../qstash/query.js";
import { runPair } from "../../qstash/request.js";
import { RUN_STATES, type WorkflowRunsArgs, workflowRunsInput } from "./input.js";
import { workflowRunsOutput } from "./output.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "workflow_runs";

/** The logs serve at most 10 runs a page, so a run list goes 10 pairs (`workflowRuns=ID@TS,…`) a request. */
const LOG_COUNT = 10;
const RUNS_PER_REQUEST = LOG_COUNT;
/** Runs that failed again listed in a result at most; the count says how many there are. */
const LISTED_FAILURES = 50;

interface Planned {
  mode: "runs" | "filter";
  pages: QueryParams[] | QueryParams;
  selection: string;
  from?: string;
  maxPages: number;
}

export const workflowRunsTool = defineTool({
  name: NAME,
  title: "Outcome of workflow runs",
  description: `Did the redrive work? Runs by workflowRuns (as a resume or restart result lists them) or by label, workflowUrl, dates and state: counts by state (RUN_STARTED, RUN_SUCCESS, RUN_FAILED, RUN_CANCELED) and the runs that failed again, with their step. Read-only.`,
  inputSchema: workflowRunsInput,
  outputSchema: workflowRunsOutput,
  annotations: {
    title: "Outcome of workflow runs",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  plan: (args: WorkflowRunsArgs, context): Planned => {
    const maxPages = args.maxPages ?? Number.POSITIVE_INFINITY;
    const base = args.workflowRuns
      ? {
          mode: "runs" as const,
          selection: fingerprint([
            NAME,
            args.workflowRuns.map((run) => runPair(run.workflowRunId, run.workflowCreatedAt)),
          ]),
          pages: chunks(
            args.workflowRuns.map((run) => runPair(run.workflowRunId, run.workflowCreatedAt)),
          ).map((pairs) => ({ workflowRuns: pairs.join(","), count: LOG_COUNT })),
        }
      : {
          mode: "filter" as const,
          selection: fingerprint([
            NAME,
            args.label,
            args.workflowUrl,
            args.fromDate,
            args.toDate,
            args.state,
          ]),
          pages: {
            label: args.label,
            workflowUrl: args.workflowUrl,
            fromDate: args.fromDate,
            toDate: args.toDate,
            state: args.state,
            count: LOG_COUNT,
          },
        };
    if (args.cursor === undefined) return { ...base, maxPages };
    const state = decodeCursor(
      args.cursor,
      { tool: NAME, selection: base.selection, describe: "selection" },
      context.cursorKey,
    );
    if (typeof state === "string") throw new ArgumentError(state);
    return { ...base, maxPages, ...(state.next === undefined ? {} : { from: state.next }) };
  },
  run: async (planned: Planned, { scope, journal, context }) => {
    const counts = Object.fromEntries(RUN_STATES.map((state) => [state, 0])) as Record<string, number>;
    const failed: LoggedRun[] = [];
    let runs = 0;
    const outcome = await runPages<LoggedRun[]>({
      scope,
      maxPages: planned.maxPages,
      ...(planned.from === undefined ? {} : { from: planned.from }),
      fetch: async (cursor) => {
        const page = Array.isArray(planned.pages)
          ? runsPage(planned.pages, cursor)
          : {
              params: { ...planned.pages, ...(cursor === undefined ? {} : { cursor }) },
              next: (qstash: string | undefined) => qstash,
            };
        if (page === undefined) return { ok: true, uncertain: false, value: { page: [] } };
        const attempted = await scope.attempt((ctx) => scope.api.logs(page.params, ctx));
        if (!attempted.ok) return attempted;
        const next = page.next(attempted.value.cursor);
        return {
          ok: true,
          uncertain: false,
          value: { page: attempted.value.runs, ...(next ? { next } : {}) },
        };
      },
      take: (page) => {
        for (const run of page) {
          runs += 1;
          counts[run.workflowState] = (counts[run.workflowState] ?? 0) + 1;
          if (run.workflowState === "RUN_FAILED") failed.push(run);
        }
        return undefined;
      },
    });
    const cursor = outcome.remaining
      ? encodeCursor(
          {
            tool: NAME,
            selection: planned.selection,
            ...(outcome.next ? { next: outcome.next } : {}),
          },
          context.cursorKey,
        )
      : undefined;
    journal.outcome({ runs, counts, stopReason: outcome.stopReason, cursor });
    if (runs === 0 && outcome.error) {
      return toolError(`Could not read the runs: ${outcome.error.message}`);
    }
    const listed = fitting(
      failed.map((run) => ({
        workflowRunId: run.workflowRunId,
        ...(run.workflowRunCreatedAt === undefined ? {} : { workflowCreatedAt: run.workflowRunCreatedAt }),
        ...(run.dlqId ? { dlqId: run.dlqId } : {}),
        ...(run.failedStep ? { failedStep: run.failedStep } : {}),
      })),
      context.policy.maxResultChars - SUMMARY_MAX_CHARS - 2_000,
    ).slice(0, LISTED_FAILURES);
    const parts = RUN_STATES.filter((state) => counts[state]).map(
      (state) => `${counts[state]} ${STATE_WORDS[state]}`,
    );
    const text = `${plural(runs, "run")}${parts.length ? `: ${parts.join(", ")}` : ""}.${failed.length ? ` ${plural(failed.length, "run")} failed again${failed[0]?.failedStep?.status ? ` (first: status ${failed[0].failedStep.status})` : ""}; they are back in the DLQ under the dlqIds listed, where dlq_list shows why.` : ""}${cursor ? " More remain: call again with the cursor." : ""}`;
    return structuredResult(text, {
      runs,
      counts,
      failedAgain: listed,
      ...(listed.length < failed.length ? { failedAgainCount: failed.length } : {}),
      pages: outcome.pages,
      complete: cursor === undefined,
      stopReason: outcome.stopReason,
      ...(cursor ? { cursor } : {}),
      ...(outcome.error ? { error: errorInfo(outcome.error) } : {}),
    });
  },
});

const STATE_WORDS: Record<string, string> = {
  RUN_STARTED: "still running or waiting",
  RUN_SUCCESS: "succeeded",
  RUN_FAILED: "failed",
  RUN_CANCELED: "cancelled",
};

function chunks(pairs: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let index = 0; index < pairs.length; index += RUNS_PER_REQUEST) {
    out.push(pairs.slice(index, index + RUNS_PER_REQUEST));
  }
  return out;
}

/**
 * A run list's page at `cursor`: `c<chunk>` or `c<chunk>:<QStash cursor>`, so one cursor walks
 * the chunks and, within one, QStash's own pages.
 */
function runsPage(pages: readonly QueryParams[], cursor: string | undefined) {
  const match = /^c(\d+)(?::([\s\S]*))?$/.exec(cursor ?? "c0");
  const index = match ? Number(match[1]) : 0;
  const inner = match?.[2];
  const params = pages[index];
  if (params === undefined) return undefined;
  return {
    params: { ...params, ...(inner ? { cursor: inner } : {}) },
    next: (qstash: string | undefined) =>
      qstash ? `c${index}:${qstash}` : index + 1 < pages.length ? `c${index + 1}` : undefined,
  };
}
