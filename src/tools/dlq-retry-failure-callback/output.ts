/** dlq_retry_failure_callback's result: each entry retried, probably retried, refused, not found or failed. */
import { z } from "zod";
import { asked, errorInfo, journalIncomplete, requestedBy, stopReason } from "../shared/output.js";

export const callbackOutput = z.object({
  retried: z
    .array(z.object({ dlqId: z.string(), workflowRunId: z.string() }))
    .meta({ description: "Entries whose failure callback runs again; they stay in the DLQ." }),
  probablyRetried: z
    .array(
      z.object({
        dlqId: z.string(),
        state: z.string().meta({
          description:
            "What the entry read afterwards: its callback state (CALLBACK_FAIL does not mean it never ran: it may have run and failed again), gone (no longer in the DLQ) or unknown (could not be read).",
        }),
      }),
    )
    .optional()
    .meta({
      description:
        "Sent, but the answer was lost: the callback may have run, so it was not sent again. Check the callback's effects before retrying these.",
    }),
  refused: z
    .array(z.object({ dlqId: z.string(), state: z.string().optional(), reason: z.string() }))
    .optional()
    .meta({ description: "QStash refused these: their callback did not fail (state says what it is)." }),
  notFound: z.array(z.string()).optional().meta({ description: "Ids that are not in the DLQ." }),
  failed: z
    .array(z.object({ dlqId: z.string(), error: errorInfo }))
    .optional()
    .meta({ description: "Requests that failed; call again with these ids." }),
  notAttempted: z.array(z.string()).optional().meta({
    description:
      "Not sent: the call was cancelled, ran out of time or the server is shutting down. Call again with these ids.",
  }),
  stopReason,
  complete: z.boolean().optional(),
  cursor: z.string().optional().meta({ description: "Pass back with the same filter and where to go on." }),
  scanned: z.number().int().optional(),
  preview: z
    .object({
      matched: z.number().int(),
      matchedIsLowerBound: z.boolean(),
      dlqIds: z.array(z.string()),
      notFound: z.array(z.string()).optional(),
      notFailed: z.array(z.object({ dlqId: z.string(), state: z.string().optional() })).optional(),
    })
    .optional()
    .meta({ description: "A dry run: the entries a call would retry; nothing was sent." }),
  ...asked,
  journalIncomplete,
  requestedBy,
});

export type CallbackResult = z.infer<typeof callbackOutput>;
