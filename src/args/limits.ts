/**
 * The bounds of every argument, and the defaults of those a call may leave out: one table, so a
 * schema, its message and the tool reference cannot disagree.
 */
import { MAX_LIST_COUNT } from "../wire/types.js";

export const LIMITS = {
  dlqIdsPerCall: 5000,
  /** One request each, and each named in the result. */
  callbackIdsPerCall: 200,
  /** Each with its run's steps and attempts: what a result can show in full. */
  inspectIdsPerCall: 10,
  idLength: 256,
  textLength: 2048,
  filterValues: 20,
  resumeCount: 100,
  listCount: MAX_LIST_COUNT,
  maxPages: 10_000,
  retries: 100,
  cursorLength: 4096,
} as const;

export const DEFAULTS = {
  resumeCount: 100,
  listCount: 50,
  listMaxPages: 1,
  bodyPreviewChars: 200,
} as const;

/** Messages returned alongside a grouped summary or a dry-run preview. */
export const SUMMARY_SAMPLE = 5;
