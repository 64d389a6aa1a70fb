/**
 * The action tools' arguments, for the hostile-input properties: dlq_resume, dlq_restart and
 * dlq_delete select by dlqIds, filter or (restart, delete) all; dlq_resume_all pages through
 * everything. All of them page, preview with dryRun, and (but delete) pace with flowControl.
 */
import fc from "fast-check";
import { LIMITS } from "../../../src/args/limits.js";
import {
  booleanField,
  countField,
  cursorField,
  dlqIdsField,
  type Field,
  type Fields,
  filterField,
  flowControlField,
  labelField,
  maxPagesField,
  retriesField,
  type ToolInputs,
  validRecord,
  whereField,
} from "../../hostile/fields.js";
import type { Args } from "../../hostile/values.js";

const allField: Field = {
  valid: fc.constant(true),
  nearMiss: fc.constantFrom(false, "true", 1, null, [true], {}),
};

function pagingFields(): Fields {
  return {
    count: countField(LIMITS.resumeCount),
    cursor: cursorField,
    where: whereField,
    maxPages: maxPagesField(2),
    dryRun: booleanField,
  };
}

function resumeFields(): Fields {
  return { ...pagingFields(), flowControl: flowControlField, retries: retriesField, label: labelField };
}

/** Exactly one selection: ids, a filter, or (when the tool takes it) all. */
function selectionValid(fields: Fields): fc.Arbitrary<Args> {
  const { dlqIds, filter, count, all, where, ...shared } = fields;
  // where narrows a listed selection, never an id list.
  const byIds = fc
    .tuple((dlqIds as Field).valid, validRecord(shared, 0))
    .map(([ids, rest]) => ({ dlqIds: ids, ...rest }));
  const byFilter = fc
    .tuple(
      (filter as Field).valid,
      validRecord({ count: count as Field, where: where as Field, ...shared }, 0),
    )
    .map(([value, rest]) => ({ filter: value, ...rest }));
  if (!all) return fc.oneof(byIds, byFilter);
  const byAll = validRecord({ count: count as Field, where: where as Field, ...shared }, 0).map((rest) => ({
    all: true,
    ...rest,
  }));
  return fc.oneof(byIds, byFilter, byAll);
}

/** Mistakes that only make sense for a selection: ids and a filter together, ids with a count, none. */
function selectionMistakes(fields: Fields): fc.Arbitrary<Args> {
  const ids = (fields.dlqIds as Field).valid;
  const filter = (fields.filter as Field).valid;
  return fc.oneof(
    fc.tuple(ids, filter).map(([dlqIds, value]) => ({ dlqIds, filter: value })),
    fc.tuple(ids, fc.integer({ min: 1, max: 100 })).map(([dlqIds, count]) => ({ dlqIds, count })),
    fc.constant({}),
    fc.record({ dryRun: fc.boolean(), retries: fc.integer({ min: 0, max: 3 }) }),
  );
}

const SELECTING = {
  valid: selectionValid,
  mistakes: selectionMistakes,
  hugeIdLists: true,
  boundPages: true,
} satisfies Partial<ToolInputs>;

export const dlqResumeInputs: ToolInputs = {
  fields: (seeds) => ({ dlqIds: dlqIdsField(seeds), filter: filterField(seeds), ...resumeFields() }),
  ...SELECTING,
};

export const dlqResumeAllInputs: ToolInputs = {
  fields: () => resumeFields(),
  boundPages: true,
  // It takes no filter: a filter with prototype keys goes in flowControl instead.
  prototypeSlots: { filter: "flowControl", flowControl: "flowControl" },
};

export const dlqRestartInputs: ToolInputs = {
  fields: (seeds) => ({
    dlqIds: dlqIdsField(seeds),
    filter: filterField(seeds),
    all: allField,
    ...resumeFields(),
  }),
  ...SELECTING,
};

export const dlqDeleteInputs: ToolInputs = {
  fields: (seeds) => ({
    dlqIds: dlqIdsField(seeds),
    filter: filterField(seeds),
    all: allField,
    ...pagingFields(),
  }),
  ...SELECTING,
};
