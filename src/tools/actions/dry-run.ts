/**
 * dryRun: what an action call with these arguments would select, without acting. For ids, which
 * of the ids this call would reach are in the DLQ; for a filter or all, the matching entries
 * within this call's reach, grouped. Only GET requests are sent.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { SUMMARY_SAMPLE } from "../../args/limits.js";
import type { ActionPlan } from "../../engine/actions/plan.js";
import { type IdPreview, previewIds, previewSelection } from "../../engine/actions/preview.js";
import { indexesOf } from "../../engine/cursor.js";
import { withinSnapshot } from "../../engine/snapshot.js";
import { errorInfo, fitting, jsonChars, plural, structuredResult, toolError } from "../../mcp/results.js";
import type { ToolCall } from "../../mcp/tool.js";
import { SUMMARY_MAX_CHARS } from "../../policy.js";
import type { DlqMessage } from "../../wire/types.js";
import { MAX_IDS_PER_ACTION_REQUEST, MAX_LIST_COUNT } from "../../wire/types.js";
import { compactMessage, fitMessage } from "../shared/compact.js";
import { nearMissesFor } from "../shared/near-miss.js";
import type { ActionPlanned } from "../shared/plan.js";
import { Summarizer } from "../shared/summary.js";
import { appliedInWords, appliedOf } from "./applied.js";
import type { ActionResult } from "./output.js";
import { inWordsOf, spoken } from "./words.js";

/**
 * A preview reads at most this far: without maxPages a call is bounded by its deadline, and a
 * preview of a huge selection only needs to say that more match than it read.
 */
const PREVIEW_REACH = { ids: 500, entries: 10_000 };

/** A sample message is cut to this; five of them and the grouped counts leave room for the ids. */
const SAMPLE_MESSAGE_CHARS = 1_500;

/**
 * @param until The snapshot a question was counted in: a preview beside a question reads only
 * what entered the DLQ by then, as the operation it asks about would.
 */
export async function previewResume(
  planned: ActionPlanned,
  call: ToolCall,
  until?: number,
): Promise<CallToolResult> {
  const { scope, context, journal } = call;
  const plan = planned.plan;
  const { done, answers } = spoken(plan.action);
  const applied = answers === "runs" ? appliedOf(plan.options) : undefined;
  // The first line says how the new runs would go out, as the real call's result will.
  const pace = applied ? ` New runs: ${appliedInWords(applied)}.` : "";
  const base: ActionResult = {
    mode: plan.selection.mode,
    workflowRuns: [],
    changed: 0,
    pages: 0,
    complete: true,
    stopReason: "done",
    ...(journal.failed ? { journalIncomplete: true } : {}),
    ...(applied ? { applied } : {}),
  };
  const samples: DlqMessage[] = [];
  const summarizer = new Summarizer();
  const see = (message: DlqMessage) => {
    summarizer.add(message);
    if (samples.length < SUMMARY_SAMPLE) samples.push(message);
  };

  if (plan.selection.mode === "ids") {
    const ids = plan.selection.dlqIds;
    // The ids this call would get to, as a real call bounded by maxPages (and the run cap) would.
    const handled = indexesOf(plan.continuation?.ids?.done ?? []);
    const offset = plan.continuation?.ids?.offset ?? 0;
    const pending = ids.filter((_, index) => index >= offset && !handled.has(index));
    const reached = pending.slice(0, Math.min(callReach(plan), PREVIEW_REACH.ids));
    const unchecked = pending.length - reached.length;
    let found: IdPreview;
    try {
      found = await previewIds(reached, scope);
    } catch (error) {
      return toolError(`Dry run failed: ${(error as Error).message} Nothing was ${done}.`);
    }
    for (const message of found.found) see(message);
    const preview = {
      matched: found.found.length,
      matchedIsLowerBound: unchecked > 0,
      ...(unchecked > 0 ? { unchecked } : {}),
      sample: sampleOf(samples),
      summary: summarizer.result(),
    };
    // The id lists get what the rest of the result leaves of the bound.
    const room = context.policy.maxResultChars - SUMMARY_MAX_CHARS - jsonChars({ ...base, preview }) - 200;
    const foundIds = found.found.map((message) => message.dlqId);
    const shownFound = fitting(foundIds, Math.max(room / 2, room - jsonChars(found.notFound)));
    const shownMissing = fitting(found.notFound, room - jsonChars(shownFound));
    const cut = shownFound.length < foundIds.length || shownMissing.length < found.notFound.length;
    const result: ActionResult = {
      ...base,
      preview: {
        ...preview,
        found: shownFound,
        notFound: shownMissing,
        ...(cut ? { idsTruncated: true } : {}),
      },
    };
    const missing = found.notFound.length ? ` ${plural(found.notFound.length, "id")} not in the DLQ.` : "";
    const previewCapped = callReach(plan) > PREVIEW_REACH.ids;
    const beyond =
      unchecked === 0
        ? ""
        : previewCapped
          ? ` ${plural(unchecked, "more id")} were not checked: a preview looks up at most ${PREVIEW_REACH.ids}.`
          : ` ${plural(unchecked, "more id")} lie beyond this call's bound and were not checked; raise maxPages to include them.`;
    return structuredResult(
      `Dry run, nothing ${done}: ${found.found.length} of ${plural(reached.length, "id")} are in the DLQ and would be ${done}.${missing}${beyond}${pace}`,
      inWordsOf(spoken(plan.action), result),
    );
  }

  const selected = plan.selection.mode === "filter" ? plan.selection.filter : undefined;
  const filter = until === undefined ? selected : withinSnapshot(selected ?? {}, until);
  const listedFirst = plan.where !== undefined || !spoken(plan.action).bulkByFilter;
  // A call that lists its selection reads the pages it would read, the same size, and acts on
  // what matches there; otherwise it reaches as many entries as its action requests take, and one
  // entry past that reach tells whether more would be left.
  const listCount = Math.min(plan.count, MAX_LIST_COUNT);
  const reach = Math.min(listedFirst ? Number.POSITIVE_INFINITY : callReach(plan), PREVIEW_REACH.entries);
  const pages = listedFirst
    ? Math.min(plan.maxPages, Math.ceil(PREVIEW_REACH.entries / listCount))
    : Math.ceil((reach + 1) / MAX_LIST_COUNT);
  const runCap = plan.maxRuns ?? Number.POSITIVE_INFINITY;
  let seen = 0;
  let acted = 0;
  const listed = await previewSelection(
    filter,
    plan.where,
    pages,
    scope,
    {
      add: (message) => {
        seen += 1;
        if (seen <= reach && acted < runCap) {
          acted += 1;
          see(message);
        }
        return true;
      },
    },
    listedFirst ? listCount : MAX_LIST_COUNT,
  );
  // The listing stops at its page bound once it has seen past this call's reach: that is the
  // preview done. Any other stop means it could not read all it needed.
  const stopReason = listed.stopReason === "maxPages" ? "done" : listed.stopReason;
  if (stopReason !== "done" && seen === 0) {
    const why = listed.error?.message ?? `the listing stopped (${stopReason}) before it read anything.`;
    return toolError(`Dry run failed: ${why} Nothing was ${done}; call again.`);
  }
  const matched = acted;
  const lowerBound = seen > acted || listed.stopReason !== "done";
  const nearMisses = matched === 0 && !lowerBound && selected ? await nearMissesFor(selected, scope) : [];
  const result: ActionResult = {
    ...base,
    pages: listed.pages,
    ...(plan.where ? { scanned: listed.scanned } : {}),
    stopReason,
    complete: stopReason === "done",
    preview: {
      matched,
      matchedIsLowerBound: lowerBound,
      sample: sampleOf(samples),
      summary: summarizer.result(),
    },
    ...(listed.error ? { error: errorInfo(listed.error) } : {}),
    ...(nearMisses.length ? { nearMisses } : {}),
  };
  const count = plural(matched, "entry", "entries");
  const widen = !lowerBound
    ? ""
    : (listedFirst ? pages * listCount : reach) >= PREVIEW_REACH.entries
      ? ` More may match: a preview reads at most ${PREVIEW_REACH.entries.toLocaleString("en")} entries.`
      : " More match than this call would reach: the real call returns a cursor, or raise maxPages.";
  const close = nearMisses.length ? ` Nothing matched; close to it: ${nearMisses.join("; ")}.` : "";
  return structuredResult(
    `Dry run, nothing ${done}: ${count} would be ${done} by this call.${widen}${close}${pace}`,
    inWordsOf(spoken(plan.action), result),
  );
}

/**
 * How many runs one call with this plan can resume at most: ids go in batches of 50, a filter or
 * all page by page, a resume acting on as many as its count, a restart on at most 50 (the cap the
 * OpenAPI states for restart only).
 */
function callReach(plan: ActionPlan): number {
  const perPage =
    plan.selection.mode === "ids"
      ? MAX_IDS_PER_ACTION_REQUEST
      : plan.action === "restart"
        ? Math.min(plan.count, MAX_IDS_PER_ACTION_REQUEST)
        : plan.count;
  return Math.min(plan.maxPages * perPage, plan.maxRuns ?? Number.POSITIVE_INFINITY);
}

/** The sample messages, each cut to fit its share of the result. */
function sampleOf(messages: readonly DlqMessage[]) {
  return messages.map((message) => fitMessage(compactMessage(message), SAMPLE_MESSAGE_CHARS));
}
