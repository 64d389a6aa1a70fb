/**
 * The result vocabulary the tools share: stop reasons, errors, the grouped summary, a compact
 * DLQ message, the confirmation fields. Each tool's outputSchema is built from these beside the
 * tool (`output.ts` in its folder), so a client, usually a model, knows what a result holds and
 * how to continue before it calls; the handlers' result types and the tool reference come from
 * the same schemas, so the three cannot drift apart.
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
    byFailureFunctionState: groupCounts,
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
  failureFunctionState: z
    .string()
    .optional()
    .meta({ description: "The failure function's state, as filter.failureFunctionState takes it." }),
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

/** Set by the tool wrapper on a change's result when the caller signed in (mcp/results.ts). */
export const requestedBy = z
  .object({
    sub: z.string(),
    clientId: z.string().optional(),
    email: z.string().optional(),
    name: z.string().optional(),
  })
  .optional()
  .meta({
    description: "Who asked for this change: the signed-in caller, as their access token names them.",
  });

export const failedStep = z.object({
  name: z.string().optional(),
  type: z.string().optional(),
  url: z.string().optional(),
  status: z.number().optional(),
});

export type CompactMessage = z.infer<typeof compactMessage>;
export type SummaryResult = z.infer<typeof summaryOutput>;
