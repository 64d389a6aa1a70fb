/**
 * What an action call is to do, as the runners take it: the action, the selection, the options of
 * its new runs, its bounds and where an earlier call stopped. Declared apart from the dispatcher
 * (`run.ts`) so the runners it picks depend on the plan, never on each other.
 */

import type { ActionName } from "../../qstash/actions.js";
import type { ResumeOptions, Selection } from "../../qstash/request.js";
import type { IdProgress } from "../cursor.js";
import type { Where } from "../where.js";

export interface ActionProgress {
  pages: number;
  resumed: number;
  /** Id lists: ids dealt with so far, against `total`. */
  handled: number;
  total?: number;
}

export interface ActionPlan {
  /** Resume (from the failed step) or restart (from the first): the same run either way. */
  action: ActionName;
  selection: Selection;
  /** Filter and all: only listed entries that match it are acted on, by id. */
  where?: Where;
  options: ResumeOptions;
  /** Entries per request in filter and all modes. */
  count: number;
  maxPages: number;
  /** Never resume more runs than this in one call. */
  maxRuns?: number;
  /** Id batches sent at once. */
  concurrency: number;
  /** Where an earlier call of the same operation stopped. */
  continuation?: Continuation;
  /** The report must fit in this many characters: no session resource can hold the rest. */
  maxReportChars?: number;
  /** The new runs carry the redrive's label: the result lists the first, QStash's logs all. */
  runsListedByLabel?: boolean;
  onPage?: (progress: ActionProgress) => void;
}

/** Where an earlier call of the same operation stopped. */
export interface Continuation {
  /** QStash's cursor; absent: from the start of the operation. */
  next?: string;
  /** The operation's snapshot time. */
  until?: number;
  ids?: IdProgress;
}
