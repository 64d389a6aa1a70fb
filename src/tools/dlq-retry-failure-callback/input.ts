/**
 * dlq_retry_failure_callback's arguments: the entries whose failure callback runs again, by
 * dlqIds or by filter (and where). QStash retries only callbacks in CALLBACK_FAIL, so a filter
 * selects those; one asking for another state is refused here, naming the fix.
 */
import { z } from "zod";
import { confirmSchema, dryRunSchema, whereSchema } from "../../args/fields.js";
import { dlqIdList, filterSchema } from "../../args/filter.js";
import { LIMITS } from "../../args/limits.js";
import { cursorSchema, unknownArguments } from "../../args/messages.js";

/**
 * filter and where are checked by the shared schemas but published as plain objects pointing at
 * dlq_list's: their full schemas would not fit the catalogue's budget a second time.
 */
const published = <T extends z.ZodType>(schema: T, description: string) =>
  z.unknown().pipe(schema).optional().meta({ type: "object", description });

export const dlqRetryCallbackInput = z
  .strictObject(
    {
      dlqIds: dlqIdList(
        LIMITS.callbackIdsPerCall,
        `dlqIds takes at most ${LIMITS.callbackIdsPerCall} ids per call here (one request each): split the list, or select them with filter.`,
        "dlqIds is empty: pass at least one DLQ id, or use filter.",
      ).optional(),
      filter: published(filterSchema, "As dlq_list's; only CALLBACK_FAIL."),
      where: published(whereSchema, "As dlq_list's."),
      cursor: cursorSchema.optional(),
      dryRun: dryRunSchema.optional(),
      confirm: confirmSchema.optional(),
    },
    {
      error: unknownArguments(
        "dlq_retry_failure_callback",
        "dlqIds or filter, where, cursor, dryRun, confirm",
      ),
    },
  )
  .superRefine((args, ctx) => {
    if (args.dlqIds !== undefined && args.filter !== undefined) {
      ctx.addIssue({ code: "custom", message: "Pass either dlqIds or filter, not both." });
    } else if (args.dlqIds === undefined && args.filter === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          'Pass dlqIds (ids from dlq_list) or filter (for example {"label": "payments"}): the entries whose failure callback failed.',
      });
    }
    if (args.where !== undefined && args.filter === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["where"],
        message: "where narrows a filter, not dlqIds: pass the ids you want, or use filter with where.",
      });
    }
    if (args.cursor !== undefined && args.filter === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["cursor"],
        message:
          "cursor continues a filter selection: pass it with the filter (and where) of the call that returned it.",
      });
    }
    const state = args.filter?.failureFunctionState;
    if (state !== undefined && state !== "CALLBACK_FAIL") {
      ctx.addIssue({
        code: "custom",
        path: ["filter", "failureFunctionState"],
        message: `QStash retries only failure callbacks that failed: filter.failureFunctionState must be "CALLBACK_FAIL" (or left out), not "${state}". Nothing was sent.`,
      });
    }
  });

export type DlqRetryCallbackArgs = z.output<typeof dlqRetryCallbackInput>;
