/**
 * The tools' result schemas. Each is a tool's outputSchema, so a client, usually a model, knows
 * what a result holds and how to continue from it before it calls; the handlers' result types
 * and the README's tool reference come from the same schemas, so the three cannot drift apart.
 */
import { z } from "zod";

export const stopReason = z
  .enum([
    "done",
    "maxPages",
    "maxRuns",
    "resultSize",
    "deadline",
    "shutdown",
    "cancelled",
    "error",
    "unconfirmed",
    "declined",
  ])
  .meta({
    description:
      "done: nothing left. maxPages, maxRuns, resultSize, deadline, shutdown: a bound was reached, continue with cursor. cancelled, error: partial, what is listed was done. unconfirmed: nothing done, the user must agree first (confirm). declined: the user said no.",
  });

export const errorInfo = z.object({
  kind: z.string(),
  message: z.string(),
  status: z.number().int().optional(),
  retryAfterSeconds: z.number().optional(),
});

const groupCounts = z.array(z.object({ value: z.string(), count: z.number().int() }));

export const summaryOutput = z
  .object({
    entries: z.number().int(),
    byWorkflowUrl: groupCounts,
    byLabel: groupCounts,
    byResponseStatus: groupCounts,
    byFailureCallbackState: groupCounts,
    byError: z
      .array(
        z.object({
          shape: z.string(),
          count: z.number().int(),
          example: z.object({ dlqId: z.string(), responseBody: z.string() }),
        }),
      )
      .optional()
      .meta({
        description:
          "The failed step's responses by shape (status, then the body with ids, numbers, hex and times replaced), with one example each.",
      }),
    createdAt: z
      .object({ from: z.string(), to: z.string() })
      .optional()
      .meta({ description: "When the entries counted here entered the DLQ: the earliest and the latest." }),
    otherGroups: z.number().int().optional().meta({
      description: "Groups left out because only the largest of each kind are listed.",
    }),
  })
  .meta({ description: "Counts of the entries seen, largest group first." });

export const compactMessage = z.object({
  dlqId: z.string(),
  workflowRunId: z.string().optional(),
  workflowUrl: z.string().optional(),
  workflowCreatedAt: z.number().optional(),
  createdAt: z.number().optional(),
  label: z.string().optional(),
  labels: z.array(z.string()).optional().meta({ description: "All labels, when the run has more than one." }),
  responseStatus: z.number().optional(),
  responseBody: z.string().optional(),
  responseBodyTruncated: z.boolean().optional(),
  failureCallbackState: z.string().optional(),
  failedStepUrl: z.string().optional(),
  callerIp: z.string().optional(),
  flowControlKey: z.string().optional(),
  header: z.record(z.string(), z.array(z.string())).optional(),
  responseHeader: z.record(z.string(), z.array(z.string())).optional(),
  body: z.string().optional(),
  truncated: z.boolean().optional().meta({
    description: "Headers or bodies were cut to keep the result within its size bound.",
  }),
});

export const nearMisses = z.array(z.string()).optional().meta({
  description:
    "Nothing matched; what the DLQ holds that is close to the filter (another case, host or path).",
});

/** What a result that asks for the user's yes first carries. */
export const asked = {
  confirm: z.string().optional().meta({
    description:
      "With stopReason unconfirmed: pass it back with the same arguments, only after the user agreed to the preview.",
  }),
  confirmExpiresAt: z.string().optional(),
};

export const journalIncomplete = z.boolean().optional().meta({
  description: "The audit journal could not record every line of this call.",
});

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
  ...asked,
  journalIncomplete,
});

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
});

const failedStep = z.object({
  name: z.string().optional(),
  type: z.string().optional(),
  url: z.string().optional(),
  status: z.number().optional(),
});

export const workflowRunsOutput = z.object({
  runs: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
  failedAgain: z.array(
    z.object({
      workflowRunId: z.string(),
      workflowCreatedAt: z.number().optional(),
      dlqId: z.string().optional(),
      failedStep: failedStep.optional(),
    }),
  ),
  failedAgainCount: z.number().int().optional(),
  pages: z.number().int(),
  complete: z.boolean(),
  stopReason,
  cursor: z.string().optional(),
  error: errorInfo.optional(),
});

export const listOutput = z.object({
  scanned: z.number().int().optional().meta({ description: "With where: entries read, matching or not." }),
  messages: z.array(compactMessage).optional().meta({ description: "Absent with idsOnly." }),
  dlqIds: z.array(z.string()).optional().meta({ description: "With idsOnly: the listed entries' dlqIds." }),
  returned: z.number().int(),
  pages: z.number().int(),
  complete: z.boolean(),
  cursor: z.string().optional(),
  stopReason,
  error: errorInfo.optional(),
  summary: summaryOutput.optional(),
  nearMisses,
  journalIncomplete,
});

export type ListResult = z.infer<typeof listOutput>;
export type CallbackResult = z.infer<typeof callbackOutput>;
export type CompactMessage = z.infer<typeof compactMessage>;
export type SummaryResult = z.infer<typeof summaryOutput>;

export const inspectOutput = z.object({
  entries: z.array(
    z.object({
      dlqId: z.string(),
      entry: compactMessage,
      run: z
        .object({
          workflowRunId: z.string(),
          state: z.string(),
          createdAt: z.number().optional(),
          completedAt: z.number().optional(),
          steps: z.array(
            z.object({
              name: z.string().optional(),
              type: z.string().optional(),
              state: z.string().optional(),
            }),
          ),
          stepsOmitted: z.number().int().optional(),
          failedStep: failedStep.optional(),
          attemptsOmitted: z.number().int().optional(),
          attempts: z.array(
            z.object({
              state: z.string().optional(),
              status: z.number().optional(),
              body: z.string().optional(),
              error: z.string().optional(),
              at: z.number().optional(),
            }),
          ),
          failureFunction: z
            .object({
              state: z.string().optional(),
              url: z.string().optional(),
              status: z.number().optional(),
              body: z.string().optional(),
            })
            .optional(),
        })
        .optional()
        .meta({ description: "From the logs; absent when they no longer hold the run." }),
    }),
  ),
  gone: z
    .array(z.string())
    .meta({ description: "Not in the DLQ (resumed, restarted, deleted or never there)." }),
  failed: z
    .array(z.object({ dlqId: z.string(), error: errorInfo }))
    .optional()
    .meta({ description: "Ids whose entry could not be read." }),
  logsError: errorInfo
    .optional()
    .meta({ description: "The logs could not be read; entries are shown without runs." }),
  notShown: z
    .array(z.string())
    .optional()
    .meta({ description: "Entries left out to fit the result: inspect them in another call." }),
  notShownCount: z.number().int().optional(),
  goneCount: z
    .number()
    .int()
    .optional()
    .meta({ description: "With long ids, the lists may be cut: their full lengths." }),
  failedCount: z.number().int().optional(),
});
