/** dlq_inspect's arguments: the few entries to explain. */
import { z } from "zod";
import { dlqIdList, RUN_ID_NAMES } from "../../args/filter.js";
import { LIMITS } from "../../args/limits.js";
import { unknownArguments } from "../../args/messages.js";
import { includeBodies, includeHeaders } from "../dlq-list/input.js";

export const dlqInspectInput = z
  .strictObject(
    {
      dlqIds: dlqIdList(
        LIMITS.inspectIdsPerCall,
        `dlq_inspect takes at most ${LIMITS.inspectIdsPerCall} dlqIds: pick a few from each dlq_list summary group.`,
        "dlqIds is empty: pass the dlqIds to inspect, as dlq_list lists them.",
      )
        .optional()
        .meta({ description: `Up to ${LIMITS.inspectIdsPerCall}, from dlq_list.` }),
      workflowRunIds: dlqIdList(
        LIMITS.inspectIdsPerCall,
        `dlq_inspect takes at most ${LIMITS.inspectIdsPerCall} workflowRunIds a call.`,
        "workflowRunIds is empty: pass the run ids to explain, or use dlqIds.",
        RUN_ID_NAMES,
      )
        .optional()
        .meta({
          description: `Up to ${LIMITS.inspectIdsPerCall} run ids (wfr_…), exact, instead of dlqIds.`,
        }),
      includeHeaders,
      includeBodies,
    },
    { error: unknownArguments("dlq_inspect", "dlqIds, workflowRunIds, includeHeaders, includeBodies") },
  )
  .superRefine((args, ctx) => {
    if ((args.dlqIds === undefined) === (args.workflowRunIds === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          'Pass exactly one of dlqIds (as dlq_list lists them) and workflowRunIds (as a log or a customer quotes them), e.g. {"workflowRunIds": ["wfr_…"]}.',
      });
    }
  });

export type DlqInspectArgs = z.output<typeof dlqInspectInput>;
