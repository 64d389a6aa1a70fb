/**
 * Why did these runs fail: each DLQ entry by one GET, a few at a time, then the runs they belong
 * to from the logs in one request (`workflowRuns=ID@TS,…` names each run exactly, since runs can
 * share an id). An entry that is gone, or one that cannot be read, is reported and the rest go on.
 */
import { QStashError } from "../qstash/errors.js";
import type { LoggedRun } from "../qstash/parse-logs.js";
import { runPair } from "../qstash/request.js";
import { plainOrQuoted } from "../quote.js";
import type { DlqMessage } from "../wire/types.js";
import { mapWithConcurrency } from "./concurrency.js";
import type { CallScope } from "./scope.js";

const LOOKUP_CONCURRENCY = 5;

export interface Inspected {
  /** The entries found, in the order asked, each with its run when the logs hold it. */
  entries: { message: DlqMessage; run?: LoggedRun }[];
  gone: string[];
  failed: { dlqId: string; error: QStashError }[];
  logsError?: QStashError;
}

export async function inspectEntries(
  dlqIds: readonly string[],
  scope: CallScope,
  bodyBytes: number,
): Promise<Inspected> {
  const ids = [...new Set(dlqIds)];
  const outcome: Inspected = { entries: [], gone: [], failed: [] };
  // A cancelled, stopping or timed-out call sends nothing more; the ids it did not read say why.
  const stopped = (dlqId: string, halt: string) =>
    new QStashError("aborted", `Stopped (${halt}) before reading ${plainOrQuoted(dlqId, 64)}.`, {
      surelyNotProcessed: true,
    });
  const looked = await mapWithConcurrency(ids, LOOKUP_CONCURRENCY, async (dlqId) => {
    const halt = scope.halted();
    if (halt) return { dlqId, lookup: { ok: false as const, error: stopped(dlqId, halt) } };
    return { dlqId, lookup: await scope.attempt((context) => scope.api.get(dlqId, context)) };
  });
  const messages: DlqMessage[] = [];
  for (const { dlqId, lookup } of looked) {
    if (!lookup.ok) outcome.failed.push({ dlqId, error: lookup.error });
    else if (lookup.value === undefined) outcome.gone.push(dlqId);
    else messages.push(lookup.value);
  }
  const pairOf = (run: { workflowRunId?: string; workflowCreatedAt?: number }) =>
    run.workflowRunId !== undefined && run.workflowCreatedAt !== undefined
      ? runPair(run.workflowRunId, run.workflowCreatedAt)
      : undefined;
  const pairs = [...new Set(messages.map(pairOf).filter((pair): pair is string => pair !== undefined))];
  const runs = new Map<string, LoggedRun>();
  const halt = scope.halted();
  if (halt && pairs.length > 0) {
    outcome.logsError = new QStashError("aborted", `Stopped (${halt}) before reading the logs.`, {
      surelyNotProcessed: true,
    });
  } else if (pairs.length > 0) {
    const logs = await scope.attempt((context) =>
      scope.api.logs({ workflowRuns: pairs.join(","), count: pairs.length }, context, bodyBytes),
    );
    if (logs.ok) {
      for (const run of logs.value.runs) {
        const pair = pairOf({
          workflowRunId: run.workflowRunId,
          workflowCreatedAt: run.workflowRunCreatedAt,
        });
        if (pair !== undefined) runs.set(pair, run);
        if (run.dlqId !== undefined) runs.set(run.dlqId, run);
      }
    } else {
      outcome.logsError = logs.error;
    }
  }
  for (const message of messages) {
    const pair = pairOf(message);
    const run = (pair === undefined ? undefined : runs.get(pair)) ?? runs.get(message.dlqId);
    outcome.entries.push(run ? { message, run } : { message });
  }
  return outcome;
}

/** Entries listed per run id: a run id names one run's entry, rarely a few (a run id reused). */
const ENTRIES_PER_RUN_ID = 10;

export interface RunIdLookup {
  /** The entries of the run ids found, in the order asked. */
  dlqIds: string[];
  /** Run ids no DLQ entry carries. */
  missing: string[];
  failed: { dlqId: string; error: QStashError }[];
}

/**
 * The DLQ entries of some workflow run ids: one list request each, filtered by `workflowRunId`
 * and kept only where the entry's run id is exactly the one asked, since QStash may match that
 * filter as a prefix (see docs/qstash-uncertain.md).
 */
export async function entriesOfRuns(runIds: readonly string[], scope: CallScope): Promise<RunIdLookup> {
  const ids = [...new Set(runIds)];
  const found = await mapWithConcurrency(ids, LOOKUP_CONCURRENCY, async (runId) => {
    const halt = scope.halted();
    if (halt) {
      const error = new QStashError(
        "aborted",
        `Stopped (${halt}) before looking up ${plainOrQuoted(runId, 64)}.`,
        {
          surelyNotProcessed: true,
        },
      );
      return { runId, listed: { ok: false as const, error } };
    }
    const listed = await scope.attempt((context) =>
      scope.api.list({ workflowRunId: runId }, { count: ENTRIES_PER_RUN_ID }, context),
    );
    return { runId, listed };
  });
  const outcome: RunIdLookup = { dlqIds: [], missing: [], failed: [] };
  for (const { runId, listed } of found) {
    if (!listed.ok) {
      outcome.failed.push({ dlqId: runId, error: listed.error });
      continue;
    }
    const exact = listed.value.messages.filter((message) => message.workflowRunId === runId);
    if (exact.length === 0) outcome.missing.push(runId);
    else outcome.dlqIds.push(...exact.map((message) => message.dlqId));
  }
  return outcome;
}
