/**
 * dlq_retry_failure_callback's arguments, for the hostile-input properties: dlqIds, or a filter
 * (only CALLBACK_FAIL) with where and cursor; dryRun with either.
 */
import fc from "fast-check";
import {
  booleanField,
  cursorField,
  dlqIdsField,
  type Field,
  type Fields,
  filterField,
  type ToolInputs,
  validRecord,
  whereField,
} from "../../hostile/fields.js";
import type { Args } from "../../hostile/values.js";

/** A valid filter here asks for CALLBACK_FAIL, or no state: QStash retries no other. */
function failedOnly(filter: Field): Field {
  return {
    valid: filter.valid.map((value) =>
      typeof value === "object" && value !== null && "failureFunctionState" in value
        ? { ...value, failureFunctionState: "CALLBACK_FAIL" }
        : value,
    ),
    nearMiss: fc.oneof(
      filter.nearMiss,
      fc.constantFrom(
        { failureFunctionState: "CALLBACK_SUCCESS" },
        { label: "billing", failureFunctionState: "CALLBACK_INPROGRESS" },
      ),
    ),
  };
}

export const dlqRetryFailureCallbackInputs: ToolInputs = {
  fields: (seeds) => ({
    dlqIds: dlqIdsField(seeds),
    filter: failedOnly(filterField(seeds)),
    where: whereField,
    cursor: cursorField,
    dryRun: booleanField,
  }),
  valid: (fields: Fields) => {
    const { dlqIds, filter, where, cursor, dryRun } = fields as Record<string, Field>;
    const byIds = fc
      .tuple((dlqIds as Field).valid, validRecord({ dryRun: dryRun as Field }, 0))
      .map(([ids, rest]) => ({ dlqIds: ids, ...rest }));
    const byFilter = fc
      .tuple(
        (filter as Field).valid,
        validRecord({ where: where as Field, cursor: cursor as Field, dryRun: dryRun as Field }, 0),
      )
      .map(([value, rest]) => ({ filter: value, ...rest }));
    return fc.oneof(byIds, byFilter);
  },
  mistakes: (fields: Fields): fc.Arbitrary<Args> => {
    const ids = (fields.dlqIds as Field).valid;
    const filter = (fields.filter as Field).valid;
    return fc.oneof(
      fc.tuple(ids, filter).map(([dlqIds, value]) => ({ dlqIds, filter: value })),
      fc.tuple(ids, (fields.where as Field).valid).map(([dlqIds, where]) => ({ dlqIds, where })),
      fc.tuple(ids, (fields.cursor as Field).valid).map(([dlqIds, cursor]) => ({ dlqIds, cursor })),
      fc.constant({}),
      fc.record({ dryRun: fc.boolean() }),
    );
  },
  hugeIdLists: true,
};
