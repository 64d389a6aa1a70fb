/** workflow_runs's result: runs counted by state, and the ones that failed again. */
import { z } from "zod";
import { errorInfo, failedStep, stopReason } from "../shared/output.js";

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
