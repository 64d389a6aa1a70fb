/**
 * What an action call did, as the runners build it, and the bound on how large that report may
 * grow when it has to fit in one result (no session resource to hold the rest).
 */

import type { QStashError } from "../../qstash/errors.js";
import type { StartedRun } from "../../qstash/parse.js";
import type { StopReason } from "../scope.js";
import type { ActionPlan, ActionProgress, Continuation } from "./plan.js";

export interface ActionReport {
  mode: "ids" | "filter" | "all";
  workflowRuns: StartedRun[];
  /** Delete: the dlqIds removed (its answers name no runs). */
  deletedIds: string[];
  /** Resume requests that were answered. */
  pages: number;
  stopReason: StopReason;
  /** Where the next call starts; present exactly when entries may remain. */
  continuation?: Continuation;
  /** Listed selections: entries read, matching or not, and the list pages they took. */
  scanned?: number;
  listPages?: number;
  /** Filter and all: entries that entered the DLQ after this time are not acted on. */
  snapshot?: number;
  /** Ids that were not in the DLQ (already resumed or deleted, or never there). */
  notFound: string[];
  /** Ids that vanished after a request whose answer was lost: that request most likely resumed them. */
  probablyChanged: string[];
  /** A request whose outcome is unknown may have resumed runs that are not listed. */
  unreportedPossible: boolean;
  /** At most this many runs may have been resumed without being listed. */
  unreportedAtMost: number;
  error?: QStashError;
}

export function emptyReport(mode: ActionReport["mode"]): ActionReport {
  return {
    mode,
    workflowRuns: [],
    deletedIds: [],
    pages: 0,
    stopReason: "done",
    notFound: [],
    probablyChanged: [],
    unreportedPossible: false,
    unreportedAtMost: 0,
  };
}

/** A run as a result lists it, JSON-encoded, is never assumed shorter than this. */
const RUN_CHARS_FLOOR = 100;

/**
 * Counts the characters the report's lists take in a result, so a call that must fit one result
 * stops before a page could overflow it.
 */
export class ReportBudget {
  private used = 0;
  private longestRun = RUN_CHARS_FLOOR;

  /**
   * @param runsElsewhere The runs are listed elsewhere (by their label, in QStash's logs): only
   * the ids the result must name (not found, probably changed) count against the limit.
   */
  constructor(
    private readonly limit: number = Number.POSITIVE_INFINITY,
    private readonly runsElsewhere = false,
  ) {}

  addRuns(runs: readonly StartedRun[]): void {
    if (this.runsElsewhere) return;
    for (const run of runs) {
      const chars = JSON.stringify(run).length + 1;
      this.used += chars;
      if (chars > this.longestRun) this.longestRun = chars;
    }
  }

  addIds(ids: readonly string[]): void {
    for (const id of ids) this.used += JSON.stringify(id).length + 1;
  }

  /**
   * Whether `runs` more runs (and ids as long as `idChars`) would still fit, with `inFlight` more
   * already on their way. Until the first answer shows how long runs are, one page at a time: the
   * first always goes, so every call moves the operation forward.
   */
  fits(runs: number, idChars = 0, inFlight = 0): boolean {
    if (!Number.isFinite(this.limit)) return true;
    // Only ids count: a request may bring back as many as it sends, none of them runs.
    if (this.runsElsewhere) return this.used + (inFlight + runs) * (idChars + 4) <= this.limit;
    if (this.used === 0) return inFlight === 0;
    return this.used + (inFlight + runs) * Math.max(this.longestRun, idChars + 4) <= this.limit;
  }
}

/** Progress is a courtesy: it must never hold up or break the work it reports on. */
export function reportProgress(plan: ActionPlan, progress: ActionProgress): void {
  try {
    plan.onPage?.({ ...progress });
  } catch {}
}
