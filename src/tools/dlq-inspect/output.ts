/** dlq_inspect's result: each entry with its run's steps and attempts from the logs. */
import { z } from "zod";
import { compactMessage, errorInfo, failedStep } from "../shared/output.js";

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
  gone: z.array(z.string()).meta({
    description:
      "Ids asked (dlqIds or workflowRunIds) not in the DLQ: resumed, restarted, deleted or never there.",
  }),
  failed: z
    .array(z.object({ dlqId: z.string(), error: errorInfo }))
    .optional()
    .meta({ description: "Ids asked whose entry could not be read (dlqId holds the id as asked)." }),
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
