/**
 * dlq_inspect: why did these runs fail. For a few dlqIds, the entry as dlq_list shows it and its
 * run from the logs: the steps it reached, the step that failed, each attempt's status, body
 * excerpt and time, and the failure function's state and answer. Read-only.
 */

import { entriesOfRuns, inspectEntries } from "../../engine/inspect.js";
import { clip, errorInfo, plural, preview, structuredResult, toolError } from "../../mcp/results.js";
import { defineTool } from "../../mcp/tool.js";
import { SUMMARY_MAX_CHARS } from "../../policy.js";
import type { QStashError } from "../../qstash/errors.js";
import type { LoggedRun } from "../../qstash/parse-logs.js";
import { plainOrQuoted, quoted } from "../../quote.js";
import type { DlqMessage } from "../../wire/types.js";
import { compactMessage, fitMessage } from "../shared/compact.js";
import type { CompactMessage } from "../shared/output.js";
import { type DlqInspectArgs, dlqInspectInput } from "./input.js";
import { inspectOutput } from "./output.js";

/** Bytes of each attempt's response body the logs are asked for. */
const ATTEMPT_BODY_BYTES = 300;
/** A run's steps listed at most: the first and the last ones, where a failure is. */
const LISTED_STEPS = 12;
/** Attempts of one step listed at most: the first ones and the last ones, where the answer is. */
const LISTED_ATTEMPTS = 6;
/** No entry is cut below this, whatever its run takes. */
const MIN_ENTRY_CHARS = 500;
/** Step names and URLs from the logs are cut to this. */
const NAME_CHARS = 200;

export const dlqInspectTool = defineTool({
  name: "dlq_inspect",
  title: "Why DLQ runs failed",
  description: `Why did these runs fail? For up to 10 dlqIds or workflowRunIds: the entry and its run from the logs (steps, the failed step, each attempt's status, body excerpt and time, the failure function's state and response). An id not in the DLQ is reported. Read-only.`,
  inputSchema: dlqInspectInput,
  outputSchema: inspectOutput,
  annotations: {
    title: "Why DLQ runs failed",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  plan: (args: DlqInspectArgs) =>
    args.workflowRunIds
      ? { mode: "runs", dlqIds: [], workflowRunIds: args.workflowRunIds }
      : { mode: "ids", dlqIds: args.dlqIds ?? [], workflowRunIds: [] },
  run: async (planned, { scope, journal, context }, args) => {
    // From the run id a customer quoted to its entry: listed by run id, then read as by dlqId.
    const byRun =
      planned.workflowRunIds.length > 0 ? await entriesOfRuns(planned.workflowRunIds, scope) : undefined;
    const inspected = await inspectEntries(byRun ? byRun.dlqIds : planned.dlqIds, scope, ATTEMPT_BODY_BYTES);
    if (byRun) {
      inspected.gone.unshift(...byRun.missing);
      inspected.failed.unshift(...byRun.failed);
    }
    journal.outcome({
      inspected: inspected.entries.length,
      gone: inspected.gone,
      failed: inspected.failed.map(({ dlqId }) => dlqId),
      ...(inspected.logsError ? { logsError: inspected.logsError.message } : {}),
    });
    if (inspected.entries.length === 0 && inspected.failed.length > 0) {
      const gone = inspected.gone.length > 0 ? ` Not in the DLQ: ${preview(inspected.gone)}.` : "";
      return toolError(`Could not read the entries: ${inspected.failed[0]?.error.message}${gone}`);
    }
    const shown = fitted(
      inspected.entries.map(({ message, run }) => ({
        dlqId: message.dlqId,
        entry: compactMessage(message, {
          includeHeaders: args.includeHeaders,
          includeBodies: args.includeBodies,
        }),
        ...(run ? { run: describeRun(run, message) } : {}),
      })),
      {
        gone: inspected.gone,
        ...(inspected.failed.length > 0
          ? { failed: inspected.failed.map(({ dlqId, error }) => ({ dlqId, error: shortError(error) })) }
          : {}),
        ...(inspected.logsError ? { logsError: shortError(inspected.logsError) } : {}),
      },
      context.policy.maxResultChars - SUMMARY_MAX_CHARS - 100,
    );
    const lines = inspected.entries.map(({ message, run }) => explain(message, run));
    if (inspected.gone.length > 0) {
      lines.push(
        `Not in the DLQ: ${preview(inspected.gone)} (resumed, restarted or deleted since; workflow_runs shows runs resumed).`,
      );
    }
    if (inspected.failed.length > 0)
      lines.push(`${plural(inspected.failed.length, "entry", "entries")} could not be read.`);
    if (inspected.logsError) lines.push(`The logs could not be read: ${inspected.logsError.message}`);
    if (shown.notShown) {
      lines.unshift(
        `${plural(shown.notShown.length, "entry", "entries")} left out to fit the result (notShown): inspect them in another call.`,
      );
    }
    return structuredResult(lines.join("\n"), shown);
  },
});

/** An error as this result lists it: its message cut, since ten of them share one result. */
function shortError(error: QStashError) {
  const info = errorInfo(error);
  return { ...info, message: clip(info.message, NAME_CHARS) };
}

type Item = { dlqId: string; entry: CompactMessage; run?: ReturnType<typeof describeRun> };

/**
 * Cuts the result until it fits `room` as JSON. The lists of ids not shown (gone, unreadable)
 * get at most a third of it, cut to what fits with their full lengths as counts. Then the
 * entries are cut in stages, each applied to every entry and checked again: earlier attempts'
 * bodies, then headers, bodies and the failure function's answer, then the step list and all but
 * the last attempt. Entries that still do not fit are left out and named, so the caller can ask
 * for them again.
 */
function fitted(items: Item[], rest: Rest, room: number): Rest & { entries: Item[]; notShown?: string[] } {
  const size = (value: unknown) => JSON.stringify(value).length;
  const bounded = cutLists({ ...rest }, ["failed", "gone"], Math.floor(room / 3));
  const wrap = (entries: Item[]) => ({ entries, ...bounded });
  const share = Math.floor((room - size(bounded)) / Math.max(1, items.length));
  const stages: ((item: Item) => Item)[] = [
    (item) => ({
      ...item,
      entry: fitMessage(item.entry, Math.max(MIN_ENTRY_CHARS, share - size(item.run ?? {}))),
    }),
    (item) =>
      item.run
        ? {
            ...item,
            run: {
              ...item.run,
              attempts: item.run.attempts.map((attempt, index, all) =>
                index === all.length - 1 ? attempt : { ...attempt, body: undefined, error: undefined },
              ),
            },
          }
        : item,
    (item) => ({
      ...item,
      entry: fitMessage(item.entry, MIN_ENTRY_CHARS),
      ...(item.run?.failureFunction
        ? { run: { ...item.run, failureFunction: { ...item.run.failureFunction, body: undefined } } }
        : {}),
    }),
    (item) => {
      if (!item.run) return item;
      const last = item.run.attempts.at(-1);
      const omitted = (item.run.attemptsOmitted ?? 0) + Math.max(0, item.run.attempts.length - 1);
      return {
        ...item,
        run: {
          ...item.run,
          steps: [],
          stepsOmitted: item.run.steps.length + (item.run.stepsOmitted ?? 0),
          attempts: last ? [{ ...last, ...(last.body ? { body: clip(last.body, 100) } : {}) }] : [],
          ...(omitted > 0 ? { attemptsOmitted: omitted } : {}),
        },
      };
    },
  ];
  let current = items;
  for (const stage of stages) {
    if (size(wrap(current)) <= room) return wrap(current);
    current = current.map(stage);
  }
  const notShown: string[] = [];
  while (current.length > 0 && size({ ...wrap(current), notShown }) > room) {
    notShown.unshift((current.at(-1) as Item).dlqId);
    current = current.slice(0, -1);
  }
  if (notShown.length === 0) return wrap(current);
  const whole = { ...wrap(current), notShown };
  return { ...whole, ...cutLists({ notShown }, ["notShown"], room - (size(whole) - size({ notShown }))) };
}

interface Rest {
  gone: string[];
  failed?: { dlqId: string; error: ReturnType<typeof shortError> }[];
  logsError?: ReturnType<typeof shortError>;
  [count: `${string}Count`]: number;
}

/**
 * The lists named, copied and cut from the end until the whole fits `room` as JSON; a list cut
 * keeps its full length as `<name>Count`. Ids run to 256 characters, several times that once
 * escaped, so ten of them alone can outgrow a result.
 */
function cutLists<T extends object>(value: T, keys: readonly string[], room: number): T {
  const out = value as Record<string, unknown>;
  for (const key of keys) {
    if (JSON.stringify(out).length <= room) break;
    const list = out[key];
    if (!Array.isArray(list)) continue;
    const kept = [...list];
    out[key] = kept;
    while (kept.length > 0 && JSON.stringify(out).length > room) kept.pop();
    out[`${key}Count`] = list.length;
  }
  return value;
}

function describeRun(run: LoggedRun, message: DlqMessage) {
  const steps = (
    run.steps.length <= LISTED_STEPS
      ? run.steps
      : [...run.steps.slice(0, LISTED_STEPS / 2), ...run.steps.slice(-LISTED_STEPS / 2)]
  ).map((step) => (step.name === undefined ? step : { ...step, name: clip(step.name, NAME_CHARS) }));
  const attempts =
    run.attempts.length <= LISTED_ATTEMPTS
      ? run.attempts
      : [...run.attempts.slice(0, 2), ...run.attempts.slice(2 - LISTED_ATTEMPTS)];
  // The logs name the step a run failed at; its URL is the one the DLQ entry recorded.
  const url = run.failedStep?.url ?? message.url;
  const failedStep = run.failedStep && {
    ...run.failedStep,
    ...(run.failedStep.name ? { name: clip(run.failedStep.name, NAME_CHARS) } : {}),
    ...(url ? { url: clip(url, NAME_CHARS) } : {}),
  };
  return {
    workflowRunId: run.workflowRunId,
    state: run.workflowState,
    ...(run.workflowRunCreatedAt === undefined ? {} : { createdAt: run.workflowRunCreatedAt }),
    ...(run.workflowRunCompletedAt === undefined ? {} : { completedAt: run.workflowRunCompletedAt }),
    steps,
    ...(steps.length < run.steps.length ? { stepsOmitted: run.steps.length - steps.length } : {}),
    ...(failedStep ? { failedStep } : {}),
    ...(attempts.length < run.attempts.length
      ? { attemptsOmitted: run.attempts.length - attempts.length }
      : {}),
    attempts: attempts.map((attempt) => ({
      ...attempt,
      ...(attempt.body === undefined ? {} : { body: clip(attempt.body, ATTEMPT_BODY_BYTES) }),
      ...(attempt.error === undefined ? {} : { error: clip(attempt.error, NAME_CHARS) }),
    })),
    ...(run.failureFunction
      ? {
          failureFunction: {
            ...run.failureFunction,
            ...(run.failureFunction.url ? { url: clip(run.failureFunction.url, NAME_CHARS) } : {}),
            ...(run.failureFunction.body ? { body: clip(run.failureFunction.body, ATTEMPT_BODY_BYTES) } : {}),
          },
        }
      : {}),
  };
}

/**
 * One line a person reads: where the run failed, how often it was tried, and what came back.
 * Names, URLs, bodies and states come from the workflow and the services it called, so each is
 * quoted and marked: a body that says "call dlq_delete" must not read as this server saying it.
 */
function explain(message: DlqMessage, run: LoggedRun | undefined): string {
  const step = run?.failedStep;
  const where = step?.name
    ? `step: ${quoted(step.name, 62)}${step.type ? ` (type: ${quoted(step.type, 42)})` : ""}`
    : message.url
      ? `url: ${quoted(message.url, 82)}`
      : "its failed step";
  const tries = run && run.attempts.length > 0 ? ` after ${plural(run.attempts.length, "attempt")}` : "";
  const status = step?.status ?? message.responseStatus;
  const last = run?.attempts.at(-1)?.body ?? message.responseBody;
  const shownStatus = typeof status === "number" ? String(status) : quoted(String(status), 24);
  const answer = `${status === undefined ? "" : ` with ${shownStatus}`}${last ? `, body: ${quoted(last.replace(/\s+/g, " "), 82)}` : ""}`;
  const callback = run?.failureFunction?.state ?? message.failureCallbackInfo?.state;
  const missing =
    run !== undefined
      ? ""
      : message.workflowRunId === undefined || message.workflowCreatedAt === undefined
        ? " (the entry names no run to look up in the logs)"
        : " (its run is not in the logs, which keep runs for the plan's retention)";
  return `${plainOrQuoted(message.dlqId, 64)} failed at ${where}${tries}${answer}${callback ? `; failure function ${plainOrQuoted(callback, 64)}` : ""}${missing}.`;
}
