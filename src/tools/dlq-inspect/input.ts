/** dlq_inspect's arguments: the few entries to explain. */
import { z } from "zod";
import { dlqIdList } from "../../args/filter.js";
import { LIMITS } from "../../args/limits.js";
import { unknownArguments } from "../../args/messages.js";
import { includeBodies, includeHeaders } from "../dlq-list/input.js";

export const dlqInspectInput = z.strictObject(
  {
    dlqIds: dlqIdList(
      LIMITS.inspectIdsPerCall,
      `dlq_inspect takes at most ${LIMITS.inspectIdsPerCall} dlqIds: pick a few from each dlq_list summary group.`,
      "dlqIds is empty: pass the dlqIds to inspect, as dlq_list lists them.",
    ).meta({ description: `Up to ${LIMITS.inspectIdsPerCall}, from dlq_list.` }),
    includeHeaders,
    includeBodies,
  },
  { error: unknownArguments("dlq_inspect", "dlqIds, includeHeaders, includeBodies") },
);

export type DlqInspectArgs = z.output<typeof dlqInspectInput>;
