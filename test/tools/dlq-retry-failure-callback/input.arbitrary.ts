/** dlq_retry_failure_callback's arguments, for the hostile-input properties: dlqIds alone. */
import { dlqIdsField, type Field, type ToolInputs } from "../../hostile/fields.js";

export const dlqRetryFailureCallbackInputs: ToolInputs = {
  fields: (seeds) => ({ dlqIds: dlqIdsField(seeds) }),
  valid: (fields) => (fields.dlqIds as Field).valid.map((dlqIds) => ({ dlqIds })),
  hugeIdLists: true,
};
