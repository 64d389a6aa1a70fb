/**
 * The arguments the DLQ tools share beyond the selection: where (matched on listed entries), dryRun,
 * confirm, the paging bounds of an action by filter or all, and a redrive's label.
 */
import { z } from "zod";
import { DEFAULTS, LIMITS } from "./limits.js";
import {
  countSchema,
  cursorSchema,
  maxPagesSchema,
  resourceName,
  text,
  unknownArguments,
} from "./messages.js";

const STATUS_CLASS = /^[1-5]xx$/;

export const whereSchema = z
  .strictObject(
    {
      responseStatus: z
        .array(z.union([z.number(), z.string()]), {
          error: 'where.responseStatus is a list of HTTP codes and classes, e.g. [503, "5xx"].',
        })
        .transform((list, ctx) => {
          for (const status of list) {
            const valid =
              typeof status === "number"
                ? Number.isInteger(status) && status >= 100 && status <= 599
                : STATUS_CLASS.test(status);
            if (!valid) {
              ctx.addIssue({
                code: "custom",
                message: `where.responseStatus takes HTTP codes (503) and classes ("5xx"), not ${JSON.stringify(status)}.`,
              });
              return z.NEVER;
            }
          }
          if (list.length === 0 || list.length > LIMITS.filterValues) {
            ctx.addIssue({
              code: "custom",
              message: `where.responseStatus takes 1 to ${LIMITS.filterValues} codes or classes.`,
            });
            return z.NEVER;
          }
          return list;
        })
        .optional()
        .meta({ description: 'e.g. [503, "5xx"]' }),
      responseBodyContains: text("where.responseBodyContains").optional(),
      failedStepUrl: text("where.failedStepUrl").optional(),
    },
    { error: unknownArguments("where", "responseStatus, responseBodyContains, failedStepUrl") },
  )
  .refine((where) => Object.values(where).some((value) => value !== undefined), {
    error: "where is empty: give responseStatus, responseBodyContains or failedStepUrl, or leave it out.",
    // An unknown key is the mistake to report, not the emptiness it leaves behind.
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ description: "Narrows by status, body text or step URL (or its start), any case." });

export const dryRunSchema = z
  .boolean({ error: "dryRun must be true or false (a boolean, not a string)." })
  .meta({ description: "Preview only; may return confirm." });

/** The token a result that asked for the user's yes handed out, passed back after they agreed. */
export const confirmSchema = z
  .string({ error: "confirm must be the token string a result returned." })
  .min(1, { error: "confirm is empty: pass the token the result returned, or leave it out." })
  .max(LIMITS.cursorLength, { error: "confirm is longer than any token this server returns." })
  .meta({ description: "Token a result gave; only once the user agreed." });

/** The bounds and continuation every action by filter or all takes. */
export const pagingShape = {
  count: countSchema(LIMITS.resumeCount, `Per request (default ${DEFAULTS.resumeCount}).`).optional(),
  cursor: cursorSchema.optional(),
  where: whereSchema.optional(),
  maxPages: maxPagesSchema("Requests per call.").optional(),
  dryRun: dryRunSchema.optional(),
  confirm: confirmSchema.optional(),
};

export const labelSchema = resourceName(
  "label",
  "incident-4711",
  'label must be a string such as "incident-4711".',
  "label is empty: give one or leave it out.",
).meta({ description: "Replaces the new runs' label." });
