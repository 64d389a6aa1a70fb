/**
 * dlq_retry_failure_callback: run the failure callback of DLQ entries again, where it failed: by
 * dlqIds, or by filter (and where) over the entries in CALLBACK_FAIL (`by-filter.ts`).
 */

import type { CallToolResult } from "@modelcontextprotocol/server";
import { LIMITS } from "../../args/limits.js";
import { previewIds } from "../../engine/actions/preview.js";
import { retryCallbacks } from "../../engine/callbacks.js";
import { fingerprint } from "../../engine/cursor.js";
import { type Answer, gateChange } from "../../mcp/confirm/ask.js";
import { notifyClient, progressNotifier } from "../../mcp/context.js";
import { fitting, plural, preview, structuredResult, toolError } from "../../mcp/results.js";
import { ArgumentError, defineTool, type ToolCall } from "../../mcp/tool.js";
import type { DlqFilter } from "../../qstash/request.js";
import { MAX_LIST_COUNT } from "../../wire/types.js";
import { describeSelection } from "../shared/describe.js";
import { planList } from "../shared/plan.js";
import { type FilterPlanned, journalOutcome, retryByFilter } from "./by-filter.js";
import { dlqRetryCallbackInput } from "./input.js";
import type { CallbackResult } from "./output.js";
import { callbackOutput } from "./output.js";
import { callbackResult, idsThatFit } from "./result.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "dlq_retry_failure_callback";

interface IdsPlanned {
  mode: "ids";
  dlqIds: string[];
  dryRun: boolean;
  confirm?: string;
}

export const DLQ_RETRY_FAILURE_CALLBACK_DESCRIPTION = `Rerun failure callbacks of DLQ entries in CALLBACK_FAIL, by dlqIds or filter; entries stay, runs don't start.`;

export const dlqRetryFailureCallbackTool = defineTool({
  name: NAME,
  title: "Retry failed failure callbacks",
  description: DLQ_RETRY_FAILURE_CALLBACK_DESCRIPTION,
  inputSchema: dlqRetryCallbackInput,
  outputSchema: callbackOutput,
  annotations: {
    title: "Retry failed failure callbacks",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context): IdsPlanned | FilterPlanned => {
    const dryRun = args.dryRun ?? false;
    const confirm = args.confirm === undefined ? {} : { confirm: args.confirm };
    if (args.confirm !== undefined && (dryRun || args.cursor !== undefined)) {
      throw new ArgumentError(
        "confirm goes with the first call, as the result that asked for it said: leave out dryRun and cursor (a cursor continues an operation already confirmed).",
      );
    }
    if (args.filter !== undefined) {
      if (dryRun && args.cursor !== undefined) {
        throw new ArgumentError(
          "dryRun previews a selection from its start: call the dry run without cursor.",
        );
      }
      // QStash retries only callbacks that failed: the selection is those, whether said or not.
      const filter = { ...args.filter, failureFunctionState: "CALLBACK_FAIL" as const };
      const listed = planList(
        {
          filter,
          ...(args.where ? { where: args.where } : {}),
          ...(args.cursor === undefined ? {} : { cursor: args.cursor }),
          count: MAX_LIST_COUNT,
          maxPages: Number.POSITIVE_INFINITY,
        },
        NAME,
        context,
      );
      return {
        mode: "filter",
        tool: NAME,
        listed,
        ...(args.cursor === undefined ? {} : { cursor: args.cursor }),
        describe: describeSelection(listed.list.filter as DlqFilter, args.where),
        dryRun,
        ...confirm,
      };
    }
    const dlqIds = [...new Set(args.dlqIds)];
    // Every id is named in the result, whatever happened to it, and the result has its bound.
    const longest = dlqIds.reduce((chars, id) => Math.max(chars, JSON.stringify(id).length), 0);
    const fits = idsThatFit(longest, context.policy.maxResultChars);
    if (dlqIds.length > fits) {
      throw new ArgumentError(
        `Pass at most ${fits} of these ids at once: the result names each one and must stay within ${context.policy.maxResultChars} characters. Split the list.`,
      );
    }
    return { mode: "ids", dlqIds, dryRun, ...confirm };
  },
  run: async (planned, call) => {
    if (planned.mode === "filter") return retryByFilter(planned, call, LIMITS.callbackIdsPerCall);
    let dryRun: CallToolResult | undefined;
    const look = async () => {
      dryRun ??= await previewCallbacks(planned.dlqIds, call);
      return dryRun;
    };
    const gate = await gateCallbacks(planned, look, call);
    if (!gate.proceed) return gate.result;
    if (planned.dryRun) return look();
    const notify = progressNotifier(call.extra);
    const report = await retryCallbacks(
      {
        dlqIds: planned.dlqIds,
        concurrency: call.context.policy.idConcurrency,
        ...(notify
          ? { onProgress: (handled, total) => notify(handled, total, `${handled} of ${total} ids handled`) }
          : {}),
      },
      call.scope,
    );
    journalOutcome(report, call);
    const result = callbackResult(report, call.journal.failed);
    if (report.stopReason === "cancelled") {
      // The client drops a cancelled call's result: what was retried reaches it as a log message,
      // and within a session as a resource too.
      const uri = call.context.runLists?.keep(
        NAME,
        `cancelled call: ${plural(report.retried.length, "failure callback")} retried`,
        result.structuredContent as Record<string, unknown>,
      );
      const changed = report.retried.length > 0 || report.probablyRetried.length > 0;
      await notifyClient(call.extra, call.context, changed ? "error" : "info", {
        message: `dlq_retry_failure_callback was cancelled: ${(result.content[0] as { text: string }).text}${uri ? ` The whole report is at ${uri}.` : ""}`,
        result: result.structuredContent,
        ...(uri ? { report: uri } : {}),
      });
    }
    return result;
  },
});

/**
 * Each retried callback runs again (often a refund or a customer notification): more than
 * `--confirm-over` of them, or past the session's unasked changes, are asked about first.
 */
function gateCallbacks(
  planned: IdsPlanned,
  look: () => Promise<CallToolResult>,
  call: ToolCall,
): Promise<Answer> {
  const tool = NAME;
  const { dlqIds } = planned;
  return gateChange(
    {
      tool,
      binding: fingerprint([tool, [...dlqIds].sort()]),
      confirm: planned.confirm,
      done: "retried",
      entries: dlqIds.length,
      always: false,
      dryRun: planned.dryRun,
      question: `Retry the failure callbacks of ${plural(dlqIds.length, "DLQ entry", "DLQ entries")} by id? Each callback runs again where it failed.`,
      preview: async () =>
        planned.dryRun
          ? look()
          : structuredResult(
              `Would retry up to ${plural(dlqIds.length, "failure callback")}: ${preview(dlqIds)}.`,
              {
                retried: [],
                stopReason: "unconfirmed",
              },
            ),
      declined: () =>
        structuredResult("The user did not confirm: no failure callback was retried.", {
          retried: [],
          stopReason: "declined",
        }),
    },
    call,
  );
}

/**
 * A dry run by ids: which are in the DLQ with a failed callback (and would be retried), which are
 * in another state, which are not there. One lookup per id, GET only.
 */
async function previewCallbacks(dlqIds: readonly string[], call: ToolCall): Promise<CallToolResult> {
  let found: Awaited<ReturnType<typeof previewIds>>;
  try {
    found = await previewIds(dlqIds, call.scope);
  } catch (error) {
    return toolError(`Dry run failed: ${(error as Error).message} Nothing was retried.`);
  }
  const stateOf = (message: (typeof found.found)[number]) =>
    message.failureFunctionState ?? message.failureCallbackInfo?.state;
  const failed = found.found.filter((message) => stateOf(message) === "CALLBACK_FAIL").map((m) => m.dlqId);
  const notFailed = found.found
    .filter((message) => stateOf(message) !== "CALLBACK_FAIL")
    .map((message) => {
      const state = stateOf(message);
      return { dlqId: message.dlqId, ...(state === undefined ? {} : { state }) };
    });
  const room = call.context.policy.maxResultChars / 3;
  const result: CallbackResult = {
    retried: [],
    stopReason: "done",
    complete: true,
    preview: {
      matched: failed.length,
      matchedIsLowerBound: false,
      dlqIds: fitting(failed, room),
      ...(found.notFound.length ? { notFound: fitting(found.notFound, room) } : {}),
      ...(notFailed.length ? { notFailed: fitting(notFailed, room) } : {}),
    },
  };
  const others = notFailed.length
    ? ` ${plural(notFailed.length, "is", "are")} in another state (QStash would refuse ${notFailed.length === 1 ? "it" : "them"}).`
    : "";
  const missing = found.notFound.length ? ` Not in the DLQ: ${preview(found.notFound)}.` : "";
  return structuredResult(
    `Dry run, nothing retried: ${plural(failed.length, "entry", "entries")} of ${dlqIds.length} ${failed.length === 1 ? "has" : "have"} a failed callback and would be retried.${others}${missing}`,
    result,
  );
}
