/**
 * QStash's three actions on DLQ entries, as rows of one table of facts: where a request goes and
 * what its answer carries. The engine runs every row the same way (selection, pages, retries,
 * lost-answer handling, cursors, report); how a tool speaks of each is its own table
 * (`src/tools/actions/words.ts`).
 */
import { DLQ_PATHS } from "../wire/types.js";

export interface Action {
  name: "resume" | "restart" | "delete";
  method: "POST" | "DELETE";
  /** The bulk endpoint; `{path}/{dlqId}` is the single form. */
  path: string;
  /**
   * What a request's answer names: the runs it started (resume, restart), or only how many
   * entries it removed (delete), in which case the ids that were asked are what the report names.
   */
  answers: "runs" | "count";
  /**
   * Whether a filter or all goes to the action's own endpoint page by page. Delete lists the
   * entries and removes them by id instead, because its answer counts them without naming them.
   */
  bulkByFilter: boolean;
}

export const ACTIONS = {
  resume: {
    name: "resume",
    method: "POST",
    path: DLQ_PATHS.resume,
    answers: "runs",
    bulkByFilter: true,
  },
  restart: {
    name: "restart",
    method: "POST",
    path: DLQ_PATHS.restart,
    answers: "runs",
    bulkByFilter: true,
  },
  delete: {
    name: "delete",
    method: "DELETE",
    path: DLQ_PATHS.list,
    answers: "count",
    bulkByFilter: false,
  },
} as const satisfies Record<string, Action>;

export type ActionName = keyof typeof ACTIONS;
