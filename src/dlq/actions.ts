/**
 * The actions that take DLQ entries and start their runs again, as rows of one table: the same
 * selection, pages, retries, lost-answer handling, cursors and report for each; a row says only
 * where its requests go and how its results speak of it.
 */
import { DLQ_PATHS } from "../wire/types.js";

export interface RedriveAction {
  name: "resume" | "restart";
  /** The bulk endpoint; `{path}/{dlqId}` is the single form. */
  path: string;
  /** The words results use: "resumed", "Resumed", "resuming", "resume". */
  done: string;
  Done: string;
  doing: string;
  verb: string;
  /** Where the new run starts, for descriptions. */
  startsFrom: string;
}

export const REDRIVES = {
  resume: {
    name: "resume",
    path: DLQ_PATHS.resume,
    done: "resumed",
    Done: "Resumed",
    doing: "resuming",
    verb: "resume",
    startsFrom: "the step that failed",
  },
  restart: {
    name: "restart",
    path: DLQ_PATHS.restart,
    done: "restarted",
    Done: "Restarted",
    doing: "restarting",
    verb: "restart",
    startsFrom: "its first step",
  },
} as const satisfies Record<string, RedriveAction>;

export type RedriveName = keyof typeof REDRIVES;
