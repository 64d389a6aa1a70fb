/** dlq_retry_failure_callback's arguments: the entries whose failure callback runs again. */
import { z } from "zod";
import { confirmSchema } from "../../args/fields.js";
import { dlqIdList } from "../../args/filter.js";
import { LIMITS } from "../../args/limits.js";
import { unknownArguments } from "../../args/messages.js";

export const dlqRetryCallbackInput = z.strictObject(
  {
    dlqIds: dlqIdList(
      LIMITS.callbackIdsPerCall,
      `dlqIds takes at most ${LIMITS.callbackIdsPerCall} ids per call here (one request each): split the list.`,
    ).meta({
      description:
        'Entries whose callback failed (dlq_list filter {"failureFunctionState": "CALLBACK_FAIL"}).',
    }),
    confirm: confirmSchema.optional(),
  },
  { error: unknownArguments("dlq_retry_failure_callback", "dlqIds, confirm") },
);

export type DlqRetryCallbackArgs = z.output<typeof dlqRetryCallbackInput>;
