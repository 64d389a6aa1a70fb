/**
 * dlq_retry_failure_callback by filter (and where): the entries in CALLBACK_FAIL that match,
 * listed inside a snapshot taken first by QStash's clock, as many as one result can name; then
 * gated, retried one by one by the same engine as ids, and continued by cursor.
 *
 * What a continuation may do: a selection that does not fit one call is always asked about (its
 * count is only "at least"), so where changes are asked about, every cursor stands for a
 * confirmed operation and goes on within its snapshot until it expires; a cursor handed out where
 * they are not (no --confirm-over) is refused where they are. Nothing goes unasked by cursor, so
 * no continuation adds to the session's unasked changes.
 *
 * Unlike a resumed entry, an entry whose callback was retried stays in the DLQ, and one whose
 * callback failed again at once reads CALLBACK_FAIL again: passed back a second time, a cursor
 * would list it again and run its callback (often a refund) once more. So a cursor is spent once
 * (the process's ledger refuses it the second time), and an operation confirmed at an exact
 * count carries what it may still retry, so entries that became visible late inside the snapshot
 * never take it past what the user was shown.
 */
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import { type CallbackReport, emptyCallbackReport, retryCallbacks } from "../../engine/callbacks.js";
import { encodeCursor } from "../../engine/cursor.js";
import { type ListReport, runList } from "../../engine/list.js";
import { readSnapshot, withinSnapshot } from "../../engine/snapshot.js";
import { answerOnCall, gateChange } from "../../mcp/confirm/ask.js";
import { CLOCK_SKEW_TOLERANCE_MS } from "../../mcp/confirm/token.js";
import { newOperationId } from "../../mcp/confirm/unasked.js";
import { progressNotifier } from "../../mcp/context.js";
import { clip, errorInfo, plural, structuredResult, toolError } from "../../mcp/results.js";
import type { ToolCall } from "../../mcp/tool.js";
import type { DlqFilter } from "../../qstash/request.js";
import type { ListPlanned } from "../shared/plan.js";
import type { CallbackResult } from "./output.js";
import { callbackResult, idsThatFit } from "./result.js";

/** A dry run names this many of the entries it found. */
const PREVIEW_IDS = 20;

export interface FilterPlanned {
  mode: "filter";
  tool: string;
  listed: ListPlanned;
  /** The cursor the call came with: it goes on from the cursor's place, inside its snapshot, once. */
  cursor?: string;
  /** The selection as the question names it. */
  describe: string;
  dryRun: boolean;
  confirm?: string;
}

interface Found {
  dlqIds: string[];
  list: ListReport;
}

/** Lists the selection inside the snapshot from where the plan (or its cursor) says, up to `cap`. */
async function listWithin(
  planned: FilterPlanned,
  until: number,
  cap: number,
  call: ToolCall,
): Promise<Found> {
  const { list } = planned.listed;
  const dlqIds: string[] = [];
  let longest = 0;
  const max = call.context.policy.maxResultChars;
  const report = await runList(
    { ...list, filter: withinSnapshot(list.filter as DlqFilter, until) },
    call.scope,
    {
      add: (message) => {
        const chars = Math.max(longest, JSON.stringify(message.dlqId).length);
        if (dlqIds.length >= Math.min(cap, idsThatFit(chars, max))) return false;
        longest = chars;
        dlqIds.push(message.dlqId);
        return true;
      },
    },
  );
  return { dlqIds, list: report };
}

export async function retryByFilter(
  planned: FilterPlanned,
  call: ToolCall,
  cap: number,
): Promise<CallToolResult | InputRequiredResult> {
  const { context } = call;
  const { tool } = planned;
  const gated = context.policy.confirmOver !== undefined && context.confirmations !== undefined;
  const binding = planned.listed.selection;
  let until = planned.listed.until;
  const allowance = cap;
  let confirmed = planned.listed.allowed?.confirmed ?? false;
  let expiresAt = planned.listed.allowed?.expiresAt;
  let found: Found | undefined;
  /** What the operation may still retry; undefined: all it finds in its snapshot ("at least"). */
  let left = planned.listed.allowed?.allowance;
  let operation = planned.listed.allowed?.operation;

  if (planned.cursor !== undefined) {
    if (gated && !confirmed) {
      return toolError(
        `This cursor was handed out where changes are not asked about, and here they are: nothing was retried. Call ${tool} again without cursor; a large change is asked about first.`,
      );
    }
    const lasts = (expiresAt ?? Date.now() + context.policy.operationLifetimeMs) + CLOCK_SKEW_TOLERANCE_MS;
    if (!context.operations.spend(planned.cursor, lasts)) {
      return toolError(
        `This cursor was already used: the callbacks it led to were retried, and passing it back would run some of them again. Nothing was retried. Continue with the cursor the last result returned, or call ${tool} again without cursor to be asked anew.`,
      );
    }
    if (left !== undefined && operation !== undefined) left = context.operations.allowanceOf(operation, left);
  } else {
    const answered = gated
      ? answerOnCall(tool, binding, planned.confirm, "retried", call, declined)
      : undefined;
    if (answered && !answered.proceed) return answered.result;
    if (answered) {
      // The user agreed to what they were shown: that snapshot, and no more than its exact count.
      until = answered.shown.snapshot;
      if (answered.shown.exact) left = answered.shown.entries;
      operation = newOperationId();
      confirmed = true;
      expiresAt = Date.now() + context.policy.operationLifetimeMs;
    } else {
      const snapshot = await readSnapshot(planned.listed.list.filter as DlqFilter, call.scope);
      if (!snapshot.ok) {
        return toolError(
          `Could not list the selection: ${snapshot.error.message} Nothing was retried; call again.`,
        );
      }
      until = snapshot.until;
      found = snapshot.empty
        ? { dlqIds: [], list: { returned: 0, scanned: 0, pages: 0, stopReason: "done" } }
        : await listWithin(planned, until, cap, call);
      if (found.list.error && found.dlqIds.length === 0) {
        return toolError(
          `Could not list the selection: ${found.list.error.message} Nothing was retried; call again.`,
        );
      }
      const more = found.list.continuation !== undefined;
      const count = found.dlqIds.length;
      const dryRun = () => dryRunResult(planned, found as Found);
      const answer = await gateChange(
        {
          tool,
          binding,
          confirm: undefined,
          done: "retried",
          entries: count,
          always: false,
          atLeast: more,
          snapshot: until,
          dryRun: planned.dryRun,
          question: clip(
            `Retry the failure callbacks of ${more ? "at least " : ""}${plural(count, "DLQ entry", "DLQ entries")} matching ${planned.describe}${more ? `, ${count} in this call and the rest by cursor` : ""}? Each callback runs again where it failed.`,
            600,
          ),
          preview: async () => dryRun(),
          declined,
        },
        call,
      );
      if (!answer.proceed) return answer.result;
      if (planned.dryRun) return dryRun();
      // Counted means capped: an exact count is all this operation may retry.
      if (answer.shown.exact) left = answer.shown.entries;
      operation = newOperationId();
      if (count === 0 && !more)
        return callbackResult(emptyCallbackReport(), call.journal.failed, { complete: true });
      // Where changes are asked about, a selection that goes on by cursor was asked about.
      confirmed = gated && more;
      if (confirmed) expiresAt = Date.now() + context.policy.operationLifetimeMs;
    }
  }

  if (until === undefined) {
    return toolError(`This cursor carries no snapshot: call ${tool} again without cursor.`);
  }
  found ??= await listWithin(planned, until, Math.min(allowance, left ?? Number.POSITIVE_INFINITY), call);
  if (found.list.error && found.dlqIds.length === 0) {
    return toolError(
      `Could not list the selection: ${found.list.error.message} Nothing was retried; call again.`,
    );
  }
  const report = await retry(found.dlqIds, call);
  // Every id this call listed counts against the allowance, whether or not its request went out.
  if (left !== undefined) left = Math.max(0, left - found.dlqIds.length);
  if (left !== undefined && operation !== undefined && expiresAt !== undefined) {
    context.operations.record(operation, left, expiresAt + CLOCK_SKEW_TOLERANCE_MS);
  }
  const goesOn = found.list.continuation !== undefined && (confirmed || !gated) && left !== 0;
  const cursor = goesOn
    ? encodeCursor(
        {
          tool,
          selection: planned.listed.selection,
          ...found.list.continuation,
          until,
          ...(confirmed ? { confirmed: true } : {}),
          ...(left === undefined ? {} : { allowance: left }),
          ...(operation === undefined ? {} : { operation }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        context.cursorKey,
      )
    : undefined;
  journalOutcome(report, call);
  return callbackResult(report, call.journal.failed, {
    complete: found.list.continuation === undefined,
    ...(planned.listed.list.where ? { scanned: found.list.scanned } : {}),
    ...(cursor === undefined ? {} : { cursor }),
  });
}

function retry(dlqIds: readonly string[], call: ToolCall): Promise<CallbackReport> {
  const notify = progressNotifier(call.extra);
  return retryCallbacks(
    {
      dlqIds,
      concurrency: call.context.policy.idConcurrency,
      ...(notify
        ? { onProgress: (handled, total) => notify(handled, total, `${handled} of ${total} entries handled`) }
        : {}),
    },
    call.scope,
  );
}

export function journalOutcome(report: CallbackReport, call: ToolCall): void {
  call.journal.outcome({
    stopReason: report.stopReason,
    retried: report.retried.length,
    probablyRetried: report.probablyRetried.length
      ? report.probablyRetried.map((entry) => entry.dlqId)
      : undefined,
    refused: report.refused.length ? report.refused.map((refusal) => refusal.dlqId) : undefined,
    notFound: report.notFound.length ? report.notFound : undefined,
    failed: report.failed.length ? report.failed.map((failure) => failure.dlqId) : undefined,
    notAttempted: report.notAttempted.length ? report.notAttempted : undefined,
  });
}

/** What a call with these arguments would retry: the entries found, and whether more match. */
function dryRunResult(planned: FilterPlanned, found: Found): CallToolResult {
  const more = found.list.continuation !== undefined;
  const count = found.dlqIds.length;
  const result: CallbackResult = {
    retried: [],
    stopReason: found.list.stopReason === "resultSize" ? "done" : found.list.stopReason,
    complete: !more,
    ...(planned.listed.list.where ? { scanned: found.list.scanned } : {}),
    preview: { matched: count, matchedIsLowerBound: more, dlqIds: found.dlqIds.slice(0, PREVIEW_IDS) },
  };
  const error = found.list.error ? ` Listing stopped: ${errorInfo(found.list.error).message}` : "";
  return structuredResult(
    `Dry run, nothing retried: this call would retry the failure callbacks of ${plural(count, "entry", "entries")} in CALLBACK_FAIL matching ${planned.describe}${more ? "; more match, and the real call goes on by cursor" : ""}.${error}`,
    result,
  );
}

function declined(): CallToolResult {
  return structuredResult("The user did not confirm: no failure callback was retried.", {
    retried: [],
    stopReason: "declined",
  });
}
