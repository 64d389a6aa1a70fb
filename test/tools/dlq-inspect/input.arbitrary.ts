/** dlq_inspect's arguments, for the hostile-input properties: a few dlqIds and what to include. */
import fc from "fast-check";
import { LIMITS } from "../../../src/args/limits.js";
import { booleanField, dlqIdsField, type Field, type ToolInputs, validRecord } from "../../hostile/fields.js";

export const dlqInspectInputs: ToolInputs = {
  fields: (seeds) => ({
    dlqIds: dlqIdsField(seeds, LIMITS.inspectIdsPerCall),
    includeHeaders: booleanField,
    includeBodies: booleanField,
  }),
  valid: (fields) => {
    const { dlqIds, ...flags } = fields;
    return fc
      .tuple((dlqIds as Field).valid, validRecord(flags, 0))
      .map(([ids, rest]) => ({ dlqIds: ids, ...rest }));
  },
};
