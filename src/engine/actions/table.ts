/**
 * The actions a call can take on DLQ entries, as rows of one table: the same selection, pages,
 * retries, lost-answer handling, cursors and report for each; a row says only where its requests
 * go, what their answers carry, and how results speak of it.
 */
import { DLQ_PATHS } from "../../wire/types.js";

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
  /** The words results use: "resumed", "Resumed", "resuming", "resume". */
  done: string;
  Done: string;
  doing: string;
  verb: string;
  /** The result field that lists what the call changed, and what one item of it is called. */
  listKey: "workflowRuns" | "deletedIds";
  unit: "run" | "entry";
  units: "runs" | "entries";
}

export const ACTIONS = {
  resume: {
    name: "resume",
    method: "POST",
    path: DLQ_PATHS.resume,
    answers: "runs",
    bulkByFilter: true,
    done: "resumed",
    Done: "Resumed",
    doing: "resuming",
    verb: "resume",
    listKey: "workflowRuns",
    unit: "run",
    units: "runs",
  },
  restart: {
    name: "restart",
    method: "POST",
    path: DLQ_PATHS.restart,
    answers: "runs",
    bulkByFilter: true,
    done: "restarted",
    Done: "Restarted",
    doing: "restarting",
    verb: "restart",
    listKey: "workflowRuns",
    unit: "run",
    units: "runs",
  },
  delete: {
    name: "delete",
    method: "DELETE",
    path: DLQ_PATHS.list,
    answers: "count",
    bulkByFilter: false,
    done: "deleted",
    Done: "Deleted",
    doing: "deleting",
    verb: "delete",
    listKey: "deletedIds",
    unit: "entry",
    units: "entries",
  },
} as const satisfies Record<string, Action>;

export type ActionName = keyof typeof ACTIONS;
