/** workflow_runs's arguments: which runs, by id, label or a redrive's result, and in which states. */
import { z } from "zod";
import { dateArgument } from "../../args/dates.js";
import { LIMITS } from "../../args/limits.js";
import { cursorSchema, maxPagesSchema, text, unknownArguments } from "../../args/messages.js";

export const RUN_STATES = ["RUN_STARTED", "RUN_SUCCESS", "RUN_FAILED", "RUN_CANCELED"] as const;

const runRef = z.strictObject(
  {
    // A resume result's runs carry the dlqId they were; passed back as they are, it is not needed.
    dlqId: text("workflowRuns[].dlqId").optional(),
    workflowRunId: text("workflowRuns[].workflowRunId"),
    workflowCreatedAt: z
      .number({
        error: "workflowRuns[].workflowCreatedAt must be Unix milliseconds, as a resume result lists it.",
      })
      .int({ error: "workflowRuns[].workflowCreatedAt must be whole Unix milliseconds." }),
  },
  {
    error:
      'Each of workflowRuns is {"workflowRunId": …, "workflowCreatedAt": …}, as a resume result lists them.',
  },
);

export const workflowRunsInput = z
  .strictObject(
    {
      workflowRuns: z
        .array(runRef, { error: "workflowRuns must be a list of runs from a resume or restart result." })
        .min(1, { error: "workflowRuns is empty: leave it out to select by label or time." })
        .max(LIMITS.dlqIdsPerCall, {
          error: `workflowRuns takes at most ${LIMITS.dlqIdsPerCall} runs per call.`,
        })
        .optional()
        .meta({ description: "As a resume or restart result lists them." }),
      label: text("label").optional(),
      workflowUrl: text("workflowUrl").optional(),
      fromDate: dateArgument("fromDate")
        .optional()
        .meta({ description: "Runs created from (Unix ms or ISO-8601)." }),
      toDate: dateArgument("toDate").optional().meta({ description: "Runs created until." }),
      state: z.enum(RUN_STATES, { error: `state must be one of ${RUN_STATES.join(", ")}.` }).optional(),
      cursor: cursorSchema.optional(),
      maxPages: maxPagesSchema("Requests per call (default: until the deadline).").optional(),
    },
    {
      error: unknownArguments(
        "workflow_runs",
        "workflowRuns or label, workflowUrl, fromDate, toDate, state, cursor, maxPages",
      ),
    },
  )
  .superRefine((args, ctx) => {
    const filtered = [args.label, args.workflowUrl, args.fromDate, args.toDate, args.state].some(
      (value) => value !== undefined,
    );
    if (args.workflowRuns && filtered) {
      ctx.addIssue({
        code: "custom",
        message:
          "Pass workflowRuns or filters (label, workflowUrl, dates, state), not both: QStash ignores filters with a run list.",
      });
    } else if (!args.workflowRuns && !filtered) {
      ctx.addIssue({
        code: "custom",
        message: 'Pass workflowRuns (from a resume result) or a filter such as {"label": "incident-4711"}.',
      });
    }
  });

export type WorkflowRunsArgs = z.output<typeof workflowRunsInput>;
