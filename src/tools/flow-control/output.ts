/** flow_control_status's and flow_control_update's results: a key's waitlist, pace and pins. */
import { z } from "zod";
import { asked, errorInfo, journalIncomplete, requestedBy, stopReason } from "../shared/output.js";

/** QStash reports an unset limit as 0 or leaves it out; either is "no limit", shown as null. */
const limitMax = z
  .number()
  .nullable()
  .meta({ description: "null: no limit (QStash reports an unset limit as 0 or leaves it out)." });

const flowKey = z.object({
  key: z.string(),
  waitlistSize: z.number().int(),
  paused: z.boolean(),
  parallelism: z.object({ max: limitMax, running: z.number() }),
  rate: z.object({
    max: limitMax,
    thisPeriod: z.number(),
    periodSeconds: z.number().optional().meta({ description: "With a rate limit only." }),
  }),
  pinned: z.object({ parallelism: z.boolean(), rate: z.boolean() }).optional(),
});

export const flowStatusOutput = z.object({
  keys: z.array(flowKey),
  count: z.number().int(),
  keysTruncated: z.boolean().optional(),
  error: errorInfo.optional(),
});

export const flowUpdateOutput = z.object({
  key: z.string(),
  action: z.string(),
  applied: z.boolean(),
  status: flowKey.optional(),
  error: errorInfo.optional(),
  stopReason: stopReason.optional(),
  complete: z.boolean().optional(),
  ...asked,
  journalIncomplete,
  requestedBy,
});
