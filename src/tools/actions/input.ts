/**
 * The four action tools' arguments: one selection (dlqIds, filter or all), the paging bounds,
 * and for a redrive its flow control, retries and label.
 */
import { z } from "zod";
import { labelSchema, pagingShape } from "../../args/fields.js";
import { dlqIdsSchema, filterSchema } from "../../args/filter.js";
import { unknownArguments } from "../../args/messages.js";
import { flowControlSchema, retriesSchema } from "../../args/redrive.js";

const resumeShape = {
  ...pagingShape,
  flowControl: flowControlSchema.optional(),
  retries: retriesSchema.optional(),
  label: labelSchema.optional(),
};

export const dlqResumeInput = z
  .strictObject(
    { dlqIds: dlqIdsSchema.optional(), filter: filterSchema.optional(), ...resumeShape },
    {
      error: unknownArguments(
        "dlq_resume",
        "dlqIds or filter, where, count, cursor, flowControl, retries, label, maxPages, dryRun, confirm",
      ),
    },
  )
  .superRefine((args, ctx) => {
    if (args.dlqIds !== undefined && args.filter !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: "Pass either dlqIds or filter, not both: QStash ignores a filter when ids are given.",
      });
    } else if (args.dlqIds === undefined && args.filter === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          'Pass dlqIds (ids from dlq_list) or filter (for example {"label": "payments"}). To resume every entry, use dlq_resume_all.',
      });
    }
    if (args.dlqIds !== undefined && args.count !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["count"],
        message: "count applies to filter mode only; leave it out with dlqIds (ids are sent 50 per request).",
      });
    }
    whereNeedsListing(args, ctx);
  });

/** where matches listed entries, so it narrows a filter or all, never an id list. */
function whereNeedsListing(args: { dlqIds?: unknown; where?: unknown }, ctx: z.RefinementCtx): void {
  if (args.dlqIds !== undefined && args.where !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["where"],
      message:
        "where narrows a filter or all: true, not dlqIds: pass the ids you want, or use filter (or all: true) with where.",
    });
  }
}

const allSchema = z.literal(true, {
  error: "all must be true to act on every entry; leave it out to pass dlqIds or filter.",
});

/** Exactly one of dlqIds, filter and all selects the entries an action takes. */
function oneSelection(tool: string) {
  return (
    args: { dlqIds?: unknown; filter?: unknown; all?: unknown; count?: unknown; where?: unknown },
    ctx: z.RefinementCtx,
  ) => {
    const given = [args.dlqIds, args.filter, args.all].filter((value) => value !== undefined).length;
    if (given > 1) {
      ctx.addIssue({
        code: "custom",
        message: `Pass exactly one of dlqIds, filter and all to ${tool}: QStash ignores a filter when ids are given, and all means every entry.`,
      });
    } else if (given === 0) {
      ctx.addIssue({
        code: "custom",
        message: `Pass dlqIds (ids from dlq_list), filter (for example {"label": "payments"}) or all: true to ${tool}.`,
      });
    }
    if (args.dlqIds !== undefined && args.count !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["count"],
        message:
          "count applies to filter and all only; leave it out with dlqIds (ids are sent 50 per request).",
      });
    }
    whereNeedsListing(args, ctx);
  };
}

export const dlqRestartInput = z
  .strictObject(
    {
      dlqIds: dlqIdsSchema.optional(),
      filter: filterSchema.optional(),
      all: allSchema.optional(),
      ...resumeShape,
    },
    {
      error: unknownArguments(
        "dlq_restart",
        "dlqIds, filter or all, where, count, cursor, flowControl, retries, label, maxPages, dryRun, confirm",
      ),
    },
  )
  .superRefine(oneSelection("dlq_restart"));

export const dlqDeleteInput = z
  .strictObject(
    {
      dlqIds: dlqIdsSchema.optional(),
      filter: filterSchema.optional(),
      all: allSchema.optional(),
      ...pagingShape,
    },
    {
      error: unknownArguments(
        "dlq_delete",
        "dlqIds, filter or all, where, count, cursor, maxPages, dryRun, confirm",
      ),
    },
  )
  .superRefine(oneSelection("dlq_delete"));

export const dlqResumeAllInput = z.strictObject(resumeShape, {
  error: unknownArguments(
    "dlq_resume_all",
    "where, count, cursor, flowControl, retries, label, maxPages, dryRun, confirm",
  ),
});

export type DlqResumeArgs = z.output<typeof dlqResumeInput>;
export type DlqResumeAllArgs = z.output<typeof dlqResumeAllInput>;
export type DlqRestartArgs = z.output<typeof dlqRestartInput>;
export type DlqDeleteArgs = z.output<typeof dlqDeleteInput>;
