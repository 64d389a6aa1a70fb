/**
 * Validated tool arguments → a plan the runners execute. Checks that need more than one field's
 * schema (an id cursor must match its id list) happen here, before any request is sent.
 */
import { decodeIdCursor, type IdProgress } from "../dlq/id-cursor.js";
import type { ListPlan } from "../dlq/list.js";
import { type DlqFilter, MAX_QUERY_CHARS, type ResumeOptions } from "../dlq/request.js";
import { FROM_START_CURSOR, type ResumePlan } from "../dlq/resume.js";
import type { CallPolicy } from "../policy.js";
import { encodeQuery } from "../qstash/query.js";
import {
  DEFAULTS,
  type DlqListArgs,
  type DlqResumeAllArgs,
  type DlqResumeArgs,
  type FilterArgs,
} from "./schemas.js";

/** Bad input that the schemas could not see; its message is shown to the caller as is. */
export class ArgumentError extends Error {
  override name = "ArgumentError";
}

export function planResume(
  args: DlqResumeArgs | DlqResumeAllArgs,
  policy: Pick<CallPolicy, "maxRunsPerCall" | "idConcurrency">,
): ResumePlan {
  const options = resumeOptions(args);
  const maxPages = args.maxPages ?? DEFAULTS.resumeMaxPages;
  const cap = policy.maxRunsPerCall === undefined ? {} : { maxRuns: policy.maxRunsPerCall };
  if ("dlqIds" in args && args.dlqIds !== undefined) {
    const dlqIds = [...new Set(args.dlqIds)];
    let idProgress: IdProgress = { offset: 0, done: [] };
    if (args.cursor !== undefined) {
      const decoded = decodeIdCursor(args.cursor, dlqIds);
      if (typeof decoded === "string") throw new ArgumentError(decoded);
      idProgress = decoded;
    }
    return {
      selection: { mode: "ids", dlqIds },
      options,
      idProgress,
      maxPages,
      concurrency: policy.idConcurrency,
      ...cap,
    };
  }
  if (args.cursor?.startsWith("ids1.")) {
    throw new ArgumentError("This cursor continues a dlqIds call: pass the same dlqIds with it.");
  }
  const count = args.count ?? DEFAULTS.resumeCount;
  const cursor = args.cursor === FROM_START_CURSOR ? undefined : args.cursor;
  if ("filter" in args && args.filter !== undefined) {
    assertSendable(args.filter);
    return {
      selection: { mode: "filter", filter: toDlqFilter(args.filter) },
      options,
      count,
      cursor,
      maxPages,
      ...cap,
    };
  }
  return { selection: { mode: "all" }, options, count, cursor, maxPages, ...cap };
}

export function planList(args: DlqListArgs): ListPlan {
  if (args.filter) assertSendable(args.filter);
  return {
    filter: args.filter === undefined ? undefined : toDlqFilter(args.filter),
    count: args.count ?? DEFAULTS.listCount,
    cursor: args.cursor,
    maxPages: args.maxPages ?? DEFAULTS.listMaxPages,
  };
}

function resumeOptions(args: DlqResumeAllArgs): ResumeOptions {
  const options: ResumeOptions = {};
  if (args.flowControl) options.flowControl = args.flowControl;
  if (args.retries !== undefined) options.retries = args.retries;
  return options;
}

/** A filter whose query would be refused for its length is refused here, naming the fix. */
function assertSendable(filter: FilterArgs): void {
  const chars = encodeQuery({ ...toDlqFilter(filter) }).length;
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
