/**
 * dryRun: what a resume call with these arguments would select, without resuming. For ids, which
 * of the ids this call would reach are in the DLQ; for a filter or all, the matching entries
 * within this call's reach, grouped. Only GET requests are sent.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { indexesOf } from "../dlq/cursor.js";
import { type IdPreview, previewIds, previewSelection } from "../dlq/preview.js";
import type { ResumePlan } from "../dlq/resume.js";
import type { DlqMessage } from "../wire/types.js";
import { MAX_RUNS_PER_RESUME_REQUEST } from "../wire/types.js";
import { compactMessage } from "./compact.js";
import { nearMissesFor } from "./near-miss.js";
import type { ResumePlanned } from "./plan.js";
import type { ResumeResult } from "./result-schemas.js";
import { errorInfo, jsonChars, plural, structuredResult, toolError } from "./results.js";
import { SUMMARY_SAMPLE } from "./schemas.js";
import { Summarizer } from "./summary.js";
import type { ToolCall } from "./tool.js";

/** Room for everything in a dry-run result but its id lists. */
const PREVIEW_RESERVE_CHARS = 12_000;

export async function previewResume(
  _tool: string,
  planned: ResumePlanned,
  call: ToolCall,
): Promise<CallToolResult> {
  const { scope, context, journal } = call;
  const plan = planned.resume;
  const base: ResumeResult = {
    mode: plan.selection.mode,
    workflowRuns: [],
    resumed: 0,
    pages: 0,
    complete: true,
    stopReason: "done",
    ...(journal.failed ? { journalIncomplete: true } : {}),
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
    const reached = pending.slice(0, callReach(plan));
    const unchecked = pending.length - reached.length;
    let found: IdPreview;
    try {
      found = await previewIds(reached, scope);
    } catch (error) {
      return toolError(`Dry run failed: ${(error as Error).message} Nothing was resumed.`);
    }
    for (const message of found.found) see(message);
    const room = context.policy.maxResultChars - PREVIEW_RESERVE_CHARS;
    const foundIds = found.found.map((message) => message.dlqId);
    const listed = fitTwo(foundIds, found.notFound, room);
    const result: ResumeResult = {
      ...base,
      preview: {
        matched: found.found.length,
        matchedIsLowerBound: unchecked > 0,
        ...(unchecked > 0 ? { unchecked } : {}),
        found: listed.first,
        notFound: listed.second,
        ...(listed.cut ? { idsTruncated: true } : {}),
        sample: samples.map((message) => compactMessage(message)),
        summary: summarizer.result(),
      },
    };
    const missing = found.notFound.length ? ` ${plural(found.notFound.length, "id")} not in the DLQ.` : "";
    const beyond =
      unchecked > 0
        ? ` ${plural(unchecked, "more id")} lie beyond this call's bound and were not checked; raise maxPages to include them.`
        : "";
    return structuredResult(
      `Dry run, nothing resumed: ${found.found.length} of ${plural(reached.length, "id")} are in the DLQ and would be resumed.${missing}${beyond}`,
      result,
    );
  }

  const filter = plan.selection.mode === "filter" ? plan.selection.filter : undefined;
  // List one entry past what this call could resume, to tell whether more would be left.
  const reach = callReach(plan);
  let seen = 0;
  const listed = await previewSelection(filter, Math.ceil((Math.min(reach, 1e6) + 1) / 100), scope, {
    add: (message) => {
      seen += 1;
      if (seen <= reach) see(message);
      return true;
    },
  });
  if (listed.stopReason === "error" && seen === 0) {
    return toolError(
      `Dry run failed: ${listed.error?.message ?? "listing the DLQ failed."} Nothing was resumed.`,
    );
  }
  const matched = Math.min(seen, reach);
  const lowerBound = seen > reach || listed.stopReason !== "done";
  const nearMisses = matched === 0 && !lowerBound && filter ? await nearMissesFor(filter, scope) : [];
  const result: ResumeResult = {
    ...base,
    pages: listed.pages,
    preview: {
      matched,
      matchedIsLowerBound: lowerBound,
      sample: samples.map((message) => compactMessage(message)),
      summary: summarizer.result(),
    },
    ...(listed.error ? { error: errorInfo(listed.error) } : {}),
    ...(nearMisses.length ? { nearMisses } : {}),
  };
  const count = plural(matched, "entry", "entries");
  const widen = lowerBound
    ? " More match than this call would reach: the real call returns a cursor, or raise maxPages."
    : "";
  const close = nearMisses.length ? ` Nothing matched; close to it: ${nearMisses.join("; ")}.` : "";
  return structuredResult(
    `Dry run, nothing resumed: ${count} would be resumed by this call.${widen}${close}`,
    result,
  );
}

/** How many runs one call with this plan can resume at most. */
function callReach(plan: ResumePlan): number {
  const perPage =
    plan.selection.mode === "ids"
      ? MAX_RUNS_PER_RESUME_REQUEST
      : Math.min(plan.count, MAX_RUNS_PER_RESUME_REQUEST);
  return Math.min(plan.maxPages * perPage, plan.maxRuns ?? Number.POSITIVE_INFINITY);
}

/** Two id lists cut to fit `room` characters together, the first kept whole as long as it can be. */
function fitTwo(
  first: string[],
  second: string[],
  room: number,
): { first: string[]; second: string[]; cut: boolean } {
  if (jsonChars(first) + jsonChars(second) <= room) return { first, second, cut: false };
  const keep = (ids: string[], space: number) => {
    const kept: string[] = [];
    let used = 2;
    for (const id of ids) {
      used += JSON.stringify(id).length + 1;
      if (used > space) break;
      kept.push(id);
    }
    return kept;
  };
  const a = keep(first, room / 2 + Math.max(0, room / 2 - jsonChars(second)));
  return { first: a, second: keep(second, room - jsonChars(a)), cut: true };
}
