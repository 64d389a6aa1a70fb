/**
 * An action report → the tool result. Lists of runs and ids are shown inline as far as the size
 * bound allows; beyond that the whole report is a session resource, linked from the result.
 * Without a session (stateless HTTP) the runner already stopped before its report outgrew one
 * result, so every run it changed is inline.
 */
import type { CallToolResult, ResourceLink } from "@modelcontextprotocol/server";
import type { ActionReport } from "../../engine/actions/report.js";

import {
  clip,
  cursorHint,
  errorInfo,
  fitting,
  isRetryable,
  jsonChars,
  plural,
  preview,
  structuredResult,
  toolError,
} from "../../mcp/results.js";
import type { RunListStore } from "../../mcp/run-lists.js";
import { plainOrQuoted } from "../../quote.js";
import { type Applied, appliedInWords } from "./applied.js";
import type { ActionResult } from "./output.js";
import { inWordsOf, renameKey, type SpokenAction } from "./words.js";

export interface ResumeDisplay {
  tool: string;
  /** Which redrive the report is of: its words, and its result's field names. */
  action: SpokenAction;
  /** Runs listed inline at most; more go to the resource. */
  inlineRuns: number;
  maxResultChars: number;
  /** Where full reports are kept; absent when no session outlives the request. */
  runLists?: RunListStore;
  /** The encoded cursor that continues the operation. */
  cursor?: string;
  journalIncomplete?: boolean;
  nearMisses?: string[];
  /** The redrive's flow-control key: the result says how to watch and stop it. */
  flowControlKey?: string;
  /** What a resume or restart gave its new runs, echoed in the result and its first line. */
  applied?: Applied;
  /** Characters the caller adds to the result afterwards (warnings), kept free here. */
  reserveChars?: number;
}

/** Field names, counts and the link that the lists bring with them. */
const LIST_OVERHEAD_CHARS = 600;

/**
 * What the call changed, as its result lists it: the new runs of a resume or restart, the dlqIds
 * a delete removed. Either goes in the slot `inWordsOf` names after the action.
 */
export function changedBy(report: ActionReport, action: SpokenAction): ActionResult["workflowRuns"] {
  return (
    action.answers === "count" ? report.deletedIds : report.workflowRuns
  ) as ActionResult["workflowRuns"];
}

export function resumeResultBase(report: ActionReport, display: ResumeDisplay): ActionResult {
  const result: ActionResult = {
    mode: report.mode,
    workflowRuns: [],
    changed: changedBy(report, display.action).length,
    pages: report.pages,
    complete: report.continuation === undefined,
    stopReason: report.stopReason,
  };
  if (report.scanned !== undefined) result.scanned = report.scanned;
  if (display.cursor !== undefined) result.cursor = display.cursor;
  if (report.snapshot !== undefined) result.snapshot = new Date(report.snapshot).toISOString();
  if (report.unreportedPossible) {
    result.unreportedPossible = true;
    result.unreportedAtMost = report.unreportedAtMost;
  }
  if (report.error) result.error = errorInfo(report.error);
  if (display.nearMisses?.length) result.nearMisses = display.nearMisses;
  if (display.journalIncomplete) result.journalIncomplete = true;
  if (display.applied) result.applied = display.applied;
  return result;
}

export function resumeToolResult(report: ActionReport, display: ResumeDisplay): CallToolResult {
  const result = resumeResultBase(report, display);
  const counts = {
    changed: result.changed,
    notFound: report.notFound,
    probablyChanged: report.probablyChanged,
  };
  const nothingHappened =
    counts.changed === 0 &&
    !result.unreportedPossible &&
    counts.probablyChanged.length === 0 &&
    result.stopReason !== "cancelled";
  // Nothing done: a tool error, still carrying the structured result (error kind, retryAfterSeconds, cursor).
  if (nothingHappened && result.stopReason === "error" && counts.notFound.length === 0) {
    const retry =
      isRetryable(result.error?.kind) && result.cursor
        ? " To retry, call again with the cursor in the result."
        : "";
    return {
      ...toolError(
        `${result.error?.message ?? "The request failed."} Nothing was ${display.action.done}.${retry}`,
      ),
      structuredContent: inWordsOf(display.action, result),
    };
  }
  if (nothingHappened && result.stopReason === "done" && counts.notFound.length > 0 && !result.cursor) {
    const ids = counts.notFound;
    return {
      ...toolError(
        `Nothing was ${display.action.done}: ${ids.length === 1 ? "this id is" : "these ids are"} not in the DLQ (already resumed, restarted or deleted, or never there): ${preview(ids)}. dlq_list shows what the DLQ holds.`,
      ),
      structuredContent: inWordsOf(display.action, {
        ...result,
        ...fitIds("notFound", ids, display.maxResultChars / 2),
      }),
    };
  }
  const summary = summarizeResume(result, counts, display, report.workflowRuns[0]?.workflowRunId);
  const key = display.flowControlKey;
  const paced = key !== undefined && result.changed > 0;
  const hint = paced
    ? ` They start at the pace of key ${key}: watch with flow_control_status {"key": "${key}"}, stop with flow_control_update {"key": "${key}", "action": "pause"}.`
    : "";
  if (paced) result.flowControlKey = key;
  const { lists, link } = fitLists(
    report,
    display,
    display.maxResultChars - summary.length - hint.length - jsonChars(result) - (display.reserveChars ?? 0),
  );
  const shown: ActionResult = { ...result, ...lists };
  const label = display.applied?.label;
  const everyRun = link
    ? `; all of them are at ${link.uri}`
    : label
      ? `; every run this call ${display.action.done} carries the label ${label}: workflow_runs {"label": "${label}"} lists them all`
      : "";
  const listed = shown.workflowRunsTruncated
    ? `${summary} Listing the first ${shown.workflowRuns.length} of ${plural(shown.changed, display.action.unit, display.action.units)}${everyRun}.`
    : summary;
  const text = `${listed}${hint}`;
  const response = structuredResult(text, inWordsOf(display.action, shown));
  if (link) response.content.push(link);
  return response;
}

function fitLists(
  report: ActionReport,
  display: ResumeDisplay,
  room: number,
): { lists: Partial<ActionResult>; link?: ResourceLink } {
  const budget = room - LIST_OVERHEAD_CHARS;
  const { probablyChanged, notFound } = report;
  const workflowRuns = changedBy(report, display.action);
  const { unit, units } = display.action;
  const whole: Partial<ActionResult> = {
    workflowRuns,
    ...(probablyChanged.length ? { probablyChanged } : {}),
    ...(notFound.length ? { notFound } : {}),
  };
  if (workflowRuns.length <= display.inlineRuns && jsonChars(whole) <= budget) return { lists: whole };
  if (!display.runLists && display.applied?.label) {
    // No session to hold the rest, and none needed: every new run carries the label, so QStash's
    // logs list them all (workflow_runs by label), from any replica. The result keeps the count,
    // what is uncertain, and the first runs.
    const lists: Partial<ActionResult> = {
      ...(probablyChanged.length ? { probablyChanged } : {}),
    };
    let left = budget - jsonChars(lists);
    lists.workflowRuns = fitting(workflowRuns.slice(0, display.inlineRuns), left);
    left -= jsonChars(lists.workflowRuns);
    if (lists.workflowRuns.length < workflowRuns.length) lists.workflowRunsTruncated = true;
    return { lists: { ...lists, ...fitIds("notFound", notFound, left) } };
  }
  if (!display.runLists) {
    // The runner kept the runs within one result; only ids that were never in the DLQ may be cut.
    const rest = budget - jsonChars({ workflowRuns, probablyChanged });
    return {
      lists: {
        workflowRuns,
        ...(probablyChanged.length ? { probablyChanged } : {}),
        ...fitIds("notFound", notFound, rest),
      },
    };
  }
  const uri = display.runLists.keep(
    display.tool,
    `${plural(workflowRuns.length, unit, units)} ${display.action.done}`,
    {
      [display.action.listKey]: workflowRuns,
      [renameKey("probablyChanged", display.action)]: probablyChanged,
      notFound,
    },
  );
  let left = budget;
  const lists: Partial<ActionResult> = { workflowRunsTruncated: true, workflowRunsResource: uri };
  // What changed comes first: ids most likely changed, then what changed, then ids never there.
  const probably = fitting(probablyChanged, left);
  if (probably.length) lists.probablyChanged = probably;
  left -= jsonChars(probably);
  lists.workflowRuns = fitting(workflowRuns.slice(0, display.inlineRuns), left);
  left -= jsonChars(lists.workflowRuns);
  Object.assign(lists, fitIds("notFound", notFound, left));
  return {
    lists,
    link: {
      type: "resource_link",
      uri,
      name: `report of ${plural(workflowRuns.length, `${display.action.done} ${unit}`, `${display.action.done} ${units}`)}`,
      mimeType: "application/json",
      description: `Every ${unit} ${display.tool} ${display.action.done} in this call, and the ids it probably ${display.action.done} or did not find.`,
    },
  };
}

function fitIds(name: "notFound", ids: readonly string[], room: number): Partial<ActionResult> {
  if (ids.length === 0) return {};
  const shown = fitting(ids, room);
  return shown.length === ids.length ? { [name]: shown } : { [name]: shown, [`${name}Count`]: ids.length };
}

const BOUND_NAMES = {
  maxPages: "maxPages",
  maxRuns: "the server's run cap per call",
  resultSize: "the result size bound",
  deadline: "the call deadline",
  shutdown: "a server shutdown",
};

function summarizeResume(
  result: ActionResult,
  counts: { changed: number; notFound: readonly string[]; probablyChanged: readonly string[] },
  display: ResumeDisplay,
  /** The first new run: a result of one names it in its first line. */
  firstRun: string | undefined,
): string {
  const { action } = display;
  const { done, Done, doing } = action;
  const newRun =
    counts.changed === 1 && action.answers === "runs" && firstRun !== undefined
      ? ` (new run ${plainOrQuoted(firstRun, 100)})`
      : "";
  const runs = `${plural(counts.changed, action.unit, action.units)}${newRun}`;
  const applied = display.applied ? `, ${appliedInWords(display.applied)}` : "";
  const pages = plural(result.pages, "request");
  const extras = [
    counts.notFound.length
      ? `${plural(counts.notFound.length, "id")} not in the DLQ: ${preview(counts.notFound)}.`
      : "",
    counts.probablyChanged.length
      ? action.answers === "count"
        ? `${plural(counts.probablyChanged.length, "id")} were gone after a request that could not say which it removed (its answer was lost, it answered 404, or it counted fewer than it was sent) and were most likely ${done} by it, unless they had left before: ${preview(counts.probablyChanged)}.`
        : `${plural(counts.probablyChanged.length, "id")} left the DLQ during a request that did not name what it ${done} (its answer was lost, or it answered 404 for some of its ids, which does not say whether it ${done} the others) and were most likely ${done} by it, unless they had left before: ${preview(counts.probablyChanged)}.`
      : "",
    result.unreportedPossible
      ? `A request's outcome is unknown, so up to ${plural(result.unreportedAtMost ?? 0, `more ${action.unit}`, `more ${action.units}`)} may have been ${done} without being listed here; dlq_list shows what is still in the DLQ.`
      : "",
    result.nearMisses?.length ? `Nothing matched; close to it: ${result.nearMisses.join("; ")}.` : "",
    result.journalIncomplete ? "The audit journal could not record every line of this call." : "",
  ]
    .filter(Boolean)
    .join(" ");
  const next = cursorHint(result.cursor, "More may remain");
  const snapshot =
    result.snapshot && result.stopReason === "done"
      ? `; nothing left that entered the DLQ by ${result.snapshot}`
      : result.stopReason === "done"
        ? `; nothing left to ${action.verb}`
        : "";
  const tail = [extras, next.trim()].filter(Boolean).join(" ");
  const join = (head: string) => clip(tail ? `${head} ${tail}` : head, 1_400);
  switch (result.stopReason) {
    case "done":
      return join(`${Done} ${runs} in ${pages} (${result.mode})${applied}${snapshot}.`);
    case "maxPages":
    case "maxRuns":
    case "resultSize":
    case "deadline":
    case "shutdown":
      return join(
        `${Done} ${runs} in ${pages} (${result.mode})${applied}, stopping at ${BOUND_NAMES[result.stopReason]}.${
          result.stopReason === "resultSize" && !display.runLists && action.answers === "runs"
            ? ` Without a session every ${action.unit} must be listed here, so each call stops at the result bound: give the next call (without cursor) a label, such as "redrive-${new Date().toISOString().slice(0, 10)}", and it ${done} the rest in a few calls, the count here and every run listed by workflow_runs {"label": …}.`
            : ""
        }`,
      );
    case "cancelled":
      return join(`Partial: cancelled after ${doing} ${runs} in ${pages}.`);
    case "error":
      return join(
        `Partial: ${done} ${runs} in ${pages}, then failed: ${result.error?.message ?? "unknown error"}`,
      );
    // A runner never stops for these: the confirmation gate answers before it starts.
    case "unconfirmed":
    case "declined":
      return join(`Nothing was ${done}: the user has not agreed.`);
  }
}
