/** dlq_list's arguments: a filter, where, paging, and what each message shows. */
import { z } from "zod";
import { whereSchema } from "../../args/fields.js";
import { filterSchema } from "../../args/filter.js";
import { DEFAULTS, LIMITS, SUMMARY_SAMPLE } from "../../args/limits.js";
import { countSchema, cursorSchema, maxPagesSchema, unknownArguments } from "../../args/messages.js";

export const includeHeaders = z
  .boolean({ error: "includeHeaders must be true or false (a boolean, not a string)." })
  .optional()
  .meta({ description: "Headers too (can hold secrets)." });

export const includeBodies = z
  .boolean({ error: "includeBodies must be true or false (a boolean, not a string)." })
  .optional()
  .meta({ description: "Full bodies too (large; can hold secrets)." });

export const dlqListInput = z.strictObject(
  {
    filter: filterSchema.optional(),
    where: whereSchema.optional(),
    count: countSchema(
      LIMITS.listCount,
      `Per request (default ${DEFAULTS.listCount}; summary: ${LIMITS.listCount}).`,
    ).optional(),
    cursor: cursorSchema.optional(),
    maxPages: maxPagesSchema(
      `Requests per call (default ${DEFAULTS.listMaxPages}; summary: until the deadline).`,
    ).optional(),
    includeHeaders,
    includeBodies,
    idsOnly: z
      .boolean({ error: "idsOnly must be true or false (a boolean, not a string)." })
      .optional()
      .meta({
        description: "Return only the dlqIds.",
      }),
    summary: z
      .boolean({ error: "summary must be true or false (a boolean, not a string)." })
      .optional()
      .meta({
        description: `Counts of the whole selection by workflow, label, status, callback state and error, and ${SUMMARY_SAMPLE} samples; complete says it covered everything.`,
      }),
  },
  {
    error: unknownArguments(
      "dlq_list",
      "filter, where, count, cursor, maxPages, includeHeaders, includeBodies, idsOnly, summary",
    ),
  },
);

export type DlqListArgs = z.output<typeof dlqListInput>;
