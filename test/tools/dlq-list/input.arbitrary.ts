/** dlq_list's arguments, for the hostile-input properties: a filter and where, paging, what to include. */
import { LIMITS } from "../../../src/args/limits.js";
import {
  booleanField,
  countField,
  cursorField,
  filterField,
  maxPagesField,
  type ToolInputs,
  whereField,
} from "../../hostile/fields.js";

export const dlqListInputs: ToolInputs = {
  fields: (seeds) => ({
    filter: filterField(seeds),
    where: whereField,
    count: countField(LIMITS.listCount),
    cursor: cursorField,
    maxPages: maxPagesField(3),
    includeHeaders: booleanField,
    includeBodies: booleanField,
    summary: booleanField,
  }),
  // It takes no flowControl: a prototype key goes at the top level instead.
  prototypeSlots: { filter: "filter", flowControl: null },
};
