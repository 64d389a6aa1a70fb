/**
 * dlq_list: what is in the DLQ, compact by default, as ids only, or grouped. The result stays
 * within its size bound: a listing that would outgrow it stops early with a cursor that
 * continues exactly where it stopped.
 */

import { SUMMARY_SAMPLE } from "../../args/limits.js";
import { encodeCursor } from "../../engine/cursor.js";
import { runList } from "../../engine/list.js";
import { cursorHint, errorInfo, plural, structuredResult, toolError } from "../../mcp/results.js";
import { defineTool } from "../../mcp/tool.js";
import { quoted } from "../../quote.js";
import type { DlqMessage } from "../../wire/types.js";
import { compactMessage, fitMessage } from "../shared/compact.js";
import { nearMissesFor } from "../shared/near-miss.js";
import type { CompactMessage } from "../shared/output.js";
import { type ListPlanned, planList } from "../shared/plan.js";
import { Summarizer } from "../shared/summary.js";
import { dlqListInput } from "./input.js";
import { type ListResult, listOutput } from "./output.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "dlq_list";

export const DLQ_LIST_DESCRIPTION = `List failed Upstash Workflow runs in the Dead Letter Queue. Read-only.

Each message has the failed step's status and a body preview. filter narrows (e.g. {"label": "payments"}); summary groups by workflow, label, status and error. Headers and bodies can hold secrets: ask only when needed.`;

/** Room a list result keeps for its summary and fields besides the messages. */
const LIST_RESERVE_CHARS = 4_000;
/** Each sample message of a grouped listing is cut to this, so the sample stays small. */
const SAMPLE_MESSAGE_CHARS = 1_500;

export const dlqListTool = defineTool({
  name: NAME,
  title: "List DLQ runs",
  description: DLQ_LIST_DESCRIPTION,
  inputSchema: dlqListInput,
  outputSchema: listOutput,
  annotations: { title: "List DLQ runs", readOnlyHint: true, openWorldHint: true },
  plan: (args, context) => planList(args, NAME, context),
  async run(planned: ListPlanned, { scope, context, journal }, args) {
    const room = context.policy.maxResultChars - LIST_RESERVE_CHARS;
    const options = { includeHeaders: args.includeHeaders, includeBodies: args.includeBodies };
    const messages: CompactMessage[] = [];
    const dlqIds: string[] = [];
    const summarizer = args.summary ? new Summarizer() : undefined;
    let used = 0;
    const add = (message: DlqMessage): boolean => {
      if (summarizer) {
        summarizer.add(message);
        if (messages.length < SUMMARY_SAMPLE)
          messages.push(fitMessage(compactMessage(message), SAMPLE_MESSAGE_CHARS));
        return true;
      }
      if (args.idsOnly) {
        const chars = JSON.stringify(message.dlqId).length + 1;
        if (used + chars > room && dlqIds.length > 0) return false;
        used += chars;
        dlqIds.push(message.dlqId);
        return true;
      }
      let compact = compactMessage(message, options);
      let chars = JSON.stringify(compact).length + 1;
      if (used + chars > room) {
        if (messages.length > 0) return false;
        // The first message is always shown, cut to fit, so a listing always moves forward.
        compact = fitMessage(compact, room);
        chars = JSON.stringify(compact).length + 1;
      }
      used += chars;
      messages.push(compact);
      return true;
    };
    const report = await runList(planned.list, scope, { add });
    const cursor = report.continuation
      ? encodeCursor({ tool: NAME, selection: planned.selection, ...report.continuation }, context.cursorKey)
      : undefined;
    const result: ListResult = {
      returned: report.returned,
      ...(args.where ? { scanned: report.scanned } : {}),
      pages: report.pages,
      complete: report.continuation === undefined,
      stopReason: report.stopReason,
      ...(args.idsOnly && !summarizer ? { dlqIds } : { messages }),
      ...(cursor === undefined ? {} : { cursor }),
      ...(report.error ? { error: errorInfo(report.error) } : {}),
      ...(summarizer ? { summary: summarizer.result() } : {}),
    };
    // With where, the filter may well have matched: the hint would point away from the entries.
    if (report.returned === 0 && result.complete && planned.list.filter && !args.where) {
      const nearMisses = await nearMissesFor(planned.list.filter, scope);
      if (nearMisses.length) result.nearMisses = nearMisses;
    }
    if (journal.failed) result.journalIncomplete = true;
    journal.outcome({
      stopReason: result.stopReason,
      returned: result.returned,
      pages: result.pages,
      cursor,
    });
    if (report.stopReason === "error" && report.returned === 0) {
      return { ...toolError(report.error?.message ?? "Listing the DLQ failed."), structuredContent: result };
    }
    return structuredResult(listSummary(result), result);
  },
});

function mostCommonError(errors: NonNullable<ListResult["summary"]>["byError"]): string {
  const [top] = errors ?? [];
  // The shape is the failed step's response: whoever made the workflow fail wrote it.
  return top ? ` Most common error (×${top.count}), status and body shape: ${quoted(top.shape, 122)}.` : "";
}

/** A status group's name: a number or "(none)", unless QStash sent something else. */
function statusName(value: string): string {
  return /^(\d+|\(none\))$/.test(value) ? value : quoted(value, 24);
}

function listSummary(result: ListResult): string {
  const grouped = result.summary
    ? ` Largest groups: ${result.summary.byResponseStatus
        .slice(0, 3)
        .map((group) => `status ${statusName(group.value)} ×${group.count}`)
        .join(", ")}.${mostCommonError(result.summary.byError)}`
    : "";
  const stopped =
    result.stopReason === "resultSize"
      ? " Stopped early to keep the result small."
      : result.error
        ? ` Stopped early: ${result.error.message}`
        : "";
  const close = result.nearMisses?.length
    ? ` Nothing matched; close to it: ${result.nearMisses.join("; ")}.`
    : "";
  const matched =
    result.scanned === undefined
      ? ""
      : ` (${plural(result.scanned, "entry", "entries")} read, these matched where)`;
  if (result.summary) {
    const covered = result.complete
      ? `Summarised all ${plural(result.returned, "DLQ entry", "DLQ entries")} of the selection${matched} in ${plural(result.pages, "request")}.`
      : `Summarised the first ${plural(result.returned, "DLQ entry", "DLQ entries")}${matched} in ${plural(result.pages, "request")}; more remain: the counts cover only these. Call again with the cursor to summarise the rest, and add the counts.`;
    return `${covered}${grouped}${stopped}${close}`;
  }
  return `Listed ${plural(result.returned, "DLQ message")}${matched} in ${plural(result.pages, "request")}.${grouped}${stopped}${close}${cursorHint(result.cursor, "More remain")}`;
}
