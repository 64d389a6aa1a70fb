/**
 * Validated tool arguments → a plan the runners execute. Checks that need more than one field's
 * schema happen here, before any request is sent: a filter too long to send, and a cursor that
 * belongs to another tool or another selection.
 */

import type { FilterArgs } from "../../args/filter.js";
import { DEFAULTS } from "../../args/limits.js";
import type { ActionPlan } from "../../engine/actions/plan.js";
import { type CursorState, decodeCursor, fingerprint } from "../../engine/cursor.js";
import type { ListPlan } from "../../engine/list.js";
import type { ToolContext } from "../../mcp/context.js";
import { ArgumentError } from "../../mcp/tool.js";
import { ACTIONS, type ActionName } from "../../qstash/actions.js";
import { encodeQuery } from "../../qstash/query.js";
import { type DlqFilter, MAX_QUERY_CHARS, type ResumeOptions, type Selection } from "../../qstash/request.js";
import { MAX_LIST_COUNT } from "../../wire/types.js";
import type { DlqDeleteArgs, DlqRestartArgs, DlqResumeAllArgs, DlqResumeArgs } from "../actions/input.js";
import type { DlqListArgs } from "../dlq-list/input.js";

/** Room a resume result keeps for its summary and fields besides the lists of ids. */
const RESULT_RESERVE_CHARS = 6_000;

export interface ListPlanned {
  mode: "filter" | "all";
  list: ListPlan;
  /** The selection's fingerprint, for the cursor this call returns. */
  selection: string;
  /** A continuation of a change by filter: what its operation was allowed, and its snapshot. */
  allowed?: Allowed;
  until?: number;
}

/** What a listing takes of the arguments (dlq_list's, or a change's that lists its selection). */
export type ListArgs = Pick<DlqListArgs, "filter" | "where" | "cursor" | "count" | "maxPages" | "summary">;

/**
 * What an operation was allowed to do, as its cursor carries it from call to call: whether the
 * user confirmed it, how many more entries it may change, and until when it may be continued.
 */
export interface Allowed {
  confirmed: boolean;
  /** Entries it may still change; absent: everything in its snapshot (a confirmed "at least" count). */
  allowance?: number;
  /** An operation that was not asked about: its id, for the session's tally of unasked changes. */
  operation?: string;
  /** Unix ms: the cursor is refused after this. */
  expiresAt?: number;
}

export interface ActionPlanned {
  mode: Selection["mode"];
  plan: ActionPlan;
  selection: string;
  /** Fingerprint of the options (flow control, retries, label): a cursor continues only these. */
  options: string;
  /** A continuation: what its operation was allowed, as the cursor said. */
  allowed?: Allowed;
  dryRun: boolean;
  /** The token a result asking for confirmation handed out, passed back after the user agreed. */
  confirm?: string;
}

/** What planning needs of the server: its bounds, whether a session holds reports, the cursor seal. */
export type PlanContext = Pick<ToolContext, "policy" | "runLists" | "cursorKey">;

export function planList(args: ListArgs, tool: string, context: PlanContext): ListPlanned {
  const filter = args.filter === undefined ? undefined : toDlqFilter(args.filter);
  if (filter) assertSendable(filter);
  // A cursor continues one selection: the filter and the where it matched against.
  const where = args.where ? canonicalWhere(args.where) : undefined;
  const selection = fingerprint(where ? [tool, canonical(filter), where] : [tool, canonical(filter)]);
  const state =
    args.cursor === undefined
      ? undefined
      : readCursor(args.cursor, context, tool, selection, where ? "filter and where" : "filter");
  return {
    mode: filter ? "filter" : "all",
    selection,
    ...(state?.until === undefined ? {} : { until: state.until }),
    ...(state?.expiresAt === undefined && !state?.confirmed ? {} : { allowed: allowedBy(state) }),
    list: {
      ...(filter ? { filter } : {}),
      ...(args.where ? { where: args.where } : {}),
      // A summary reads the whole selection (largest pages, until the call's deadline): a
      // summary of one page would look like a summary of everything.
      count: args.count ?? (args.summary ? MAX_LIST_COUNT : DEFAULTS.listCount),
      maxPages: args.maxPages ?? (args.summary ? Number.POSITIVE_INFINITY : DEFAULTS.listMaxPages),
      ...(state?.next === undefined ? {} : { from: state.next }),
      ...(state?.after === undefined ? {} : { after: state.after }),
    },
  };
}

/** The same where however it was written: its statuses in one order, each once. */
function canonicalWhere(where: NonNullable<ListArgs["where"]>): Record<string, unknown> {
  return {
    ...where,
    ...(where.responseStatus
      ? { responseStatus: [...new Set(where.responseStatus.map(String))].sort() }
      : {}),
  };
}

export function planAction(
  args: DlqResumeArgs | DlqResumeAllArgs | DlqRestartArgs | DlqDeleteArgs,
  tool: string,
  context: PlanContext,
  action: ActionName = "resume",
): ActionPlanned {
  const { policy } = context;
  const options = resumeOptions(args);
  // Without a session there is no resource for what does not fit one result, so the call stops
  // before that — unless the new runs carry a label: QStash then holds the list (workflow_runs by
  // that label), any replica can answer it, and the result shows the count and the first runs.
  const listedByLabel = options.label !== undefined && ACTIONS[action].answers === "runs";
  const bounded = !context.runLists;
  const base = {
    action,
    options,
    count: args.count ?? DEFAULTS.resumeCount,
    // Unbounded by pages unless asked: a call then runs until its deadline or its size bound,
    // so a large incident drains in a few calls rather than hundreds.
    maxPages: args.maxPages ?? Number.POSITIVE_INFINITY,
    concurrency: policy.idConcurrency,
    ...(policy.maxRunsPerCall === undefined ? {} : { maxRuns: policy.maxRunsPerCall }),
    ...(bounded && listedByLabel ? { runsListedByLabel: true } : {}),
    ...(bounded
      ? { maxReportChars: policy.maxResultChars - Math.min(RESULT_RESERVE_CHARS, policy.maxResultChars / 4) }
      : {}),
  };
  const dryRun = args.dryRun ?? false;
  const confirm = args.confirm === undefined ? {} : { confirm: args.confirm };
  const optionsPrint = optionsFingerprint(base.options);
  if (args.confirm !== undefined && (dryRun || args.cursor !== undefined)) {
    throw new ArgumentError(
      "confirm goes with the first call of an operation, as the result that asked for it said: leave out dryRun and cursor (a cursor continues an operation already confirmed).",
    );
  }
  if ("dlqIds" in args && args.dlqIds !== undefined) {
    const dlqIds = [...new Set(args.dlqIds)];
    const selection = fingerprint([tool, "ids", dlqIds]);
    const state =
      args.cursor === undefined
        ? undefined
        : readCursor(args.cursor, context, tool, selection, "dlqIds list", dlqIds.length, optionsPrint);
    return {
      mode: "ids",
      selection,
      options: optionsPrint,
      ...(state ? { allowed: allowedBy(state) } : {}),
      dryRun,
      ...confirm,
      plan: {
        ...base,
        selection: { mode: "ids", dlqIds },
        ...(state?.ids ? { continuation: { ids: state.ids } } : {}),
      },
    };
  }
  const filter = "filter" in args && args.filter !== undefined ? toDlqFilter(args.filter) : undefined;
  if (filter) assertSendable(filter);
  const mode = filter ? "filter" : "all";
  const where = args.where ? canonicalWhere(args.where) : undefined;
  const selection = fingerprint(
    where ? [tool, mode, canonical(filter), where] : [tool, mode, canonical(filter)],
  );
  const describe = where
    ? `${mode === "filter" ? "filter" : "selection"} and where`
    : mode === "filter"
      ? "filter"
      : "selection";
  const state =
    args.cursor === undefined
      ? undefined
      : readCursor(args.cursor, context, tool, selection, describe, undefined, optionsPrint);
  if (state && dryRun) {
    throw new ArgumentError(
      "dryRun previews a selection from its start, and a cursor only continues a call that acted: call the dry run without cursor.",
    );
  }
  return {
    mode,
    selection,
    options: optionsPrint,
    ...(state ? { allowed: allowedBy(state) } : {}),
    dryRun,
    ...confirm,
    plan: {
      ...base,
      selection: filter ? { mode: "filter", filter } : { mode: "all" },
      ...(args.where ? { where: args.where } : {}),
      ...(state
        ? {
            continuation: {
              ...(state.next === undefined ? {} : { next: state.next }),
              ...(state.until === undefined ? {} : { until: state.until }),
            },
          }
        : {}),
    },
  };
}

function readCursor(
  cursor: string,
  context: PlanContext,
  tool: string,
  selection: string,
  describe: string,
  idCount?: number,
  options?: string,
): CursorState {
  const state = decodeCursor(
    cursor,
    {
      tool,
      selection,
      describe,
      ...(idCount === undefined ? {} : { idCount }),
      ...(options === undefined ? {} : { options }),
    },
    context.cursorKey,
  );
  if (typeof state === "string") throw new ArgumentError(state);
  return state;
}

/** What the cursor says its operation was allowed. */
function allowedBy(state: CursorState): Allowed {
  return {
    confirmed: state.confirmed ?? false,
    ...(state.allowance === undefined ? {} : { allowance: state.allowance }),
    ...(state.operation === undefined ? {} : { operation: state.operation }),
    ...(state.expiresAt === undefined ? {} : { expiresAt: state.expiresAt }),
  };
}

/** The options however they were written: flow-control fields in one order. */
export function optionsFingerprint(options: ResumeOptions): string {
  const { flowControl, retries, label } = options;
  return fingerprint([
    flowControl ? Object.entries(flowControl).sort(([a], [b]) => (a < b ? -1 : 1)) : null,
    retries ?? null,
    label ?? null,
  ]);
}

function resumeOptions(args: DlqResumeAllArgs | DlqDeleteArgs): ResumeOptions {
  const options: ResumeOptions = {};
  if ("flowControl" in args && args.flowControl) options.flowControl = args.flowControl;
  if ("retries" in args && args.retries !== undefined) options.retries = args.retries;
  if ("label" in args && args.label !== undefined) options.label = args.label;
  return options;
}

/** A filter whose query would be refused for its length is refused here, naming the fix. */
function assertSendable(filter: DlqFilter): void {
  // The snapshot bound and paging fields ride along on every request.
  const chars = encodeQuery({ ...filter, toDate: 8.64e15, count: 100 }).length;
  if (chars > MAX_QUERY_CHARS) {
    throw new ArgumentError(
      `This filter would make a query of ${chars} characters, more than QStash accepts (about ${MAX_QUERY_CHARS}): use fewer or shorter values.`,
    );
  }
}

/** Drops undefined fields so the query carries only what the caller chose. */
function toDlqFilter(filter: FilterArgs): DlqFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as DlqFilter;
}

/**
 * The same selection however it was written: fields in one order, one value or a list of one
 * alike, and a list's order and repeats ignored (its values are ORed).
 */
function canonical(filter: DlqFilter | undefined): unknown {
  if (!filter) return null;
  return Object.entries(filter)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [
      key,
      Array.isArray(value) ? [...new Set(value.map(String))].sort() : [String(value)],
    ]);
}
