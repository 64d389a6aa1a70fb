/** workflow_runs' arguments, for the hostile-input properties: a run list or filters, and paging. */
import fc from "fast-check";
import { SEED_WORKFLOW_URLS } from "../../../src/emulator/index.js";
import {
  cursorField,
  type Field,
  labelField,
  maxPagesField,
  type ToolInputs,
  validRecord,
} from "../../hostile/fields.js";

export const workflowRunsInputs: ToolInputs = {
  fields: () => ({
    workflowRuns: {
      valid: fc.array(
        fc.record({
          workflowRunId: fc.constantFrom("wfr_a", "wfr_b-1", "wfr_ünïcode"),
          workflowCreatedAt: fc.integer({ min: 1e12, max: 2e12 }),
        }),
        { minLength: 1, maxLength: 45 },
      ),
      nearMiss: fc.constantFrom(
        [],
        "wfr_a",
        [{ workflowRunId: "wfr_a" }],
        [{ workflowRunId: "", workflowCreatedAt: 1 }],
        [null],
      ),
    },
    label: labelField,
    workflowUrl: { valid: fc.constantFrom(...SEED_WORKFLOW_URLS), nearMiss: fc.constantFrom("", 5, null) },
    state: {
      valid: fc.constantFrom("RUN_STARTED", "RUN_SUCCESS", "RUN_FAILED", "RUN_CANCELED"),
      nearMiss: fc.constantFrom("DONE", "run_failed", "", 1),
    },
    cursor: cursorField,
    maxPages: maxPagesField(2),
  }),
  valid: (fields) => {
    // A run list, or filters: QStash takes one or the other.
    const { workflowRuns, cursor, maxPages, ...filters } = fields;
    const paging = { cursor: cursor as Field, maxPages: maxPages as Field };
    return fc.oneof(
      fc
        .tuple((workflowRuns as Field).valid, validRecord(paging, 0))
        .map(([runs, rest]) => ({ workflowRuns: runs, ...rest })),
      fc
        .tuple(validRecord(filters, 1), validRecord(paging, 0))
        .map(([chosen, rest]) => ({ ...chosen, ...rest })),
    );
  },
  boundPages: true,
};
