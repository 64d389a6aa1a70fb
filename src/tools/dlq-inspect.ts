/**
 * dlq_inspect: why did these runs fail. For a few dlqIds, the entry as dlq_list shows it and its
 * run from the logs: the steps it reached, the step that failed, each attempt's status, body
 * excerpt and time, and the failure function's state and answer. Read-only.
 */
import { inspectEntries } from "../dlq/inspect.js";
import type { LoggedRun } from "../dlq/responses.js";
import { SUMMARY_MAX_CHARS } from "../policy.js";
import type { DlqMessage } from "../wire/types.js";
import { compactMessage, fitMessage } from "./compact.js";
import { type CompactMessage, inspectOutput } from "./result-schemas.js";
import { clip, errorInfo, plural, structuredResult, toolError } from "./results.js";
import { type DlqInspectArgs, dlqInspectInput } from "./schemas.js";
import { defineTool } from "./tool.js";

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
  description: `Why did these runs fail? For up to 10 dlqIds: the entry and its run from the logs (steps, the failed step, each attempt's status, body excerpt and time, the failure function's state and response). A gone dlqId is reported. Read-only.`,
  inputSchema: dlqInspectInput,
  outputSchema: inspectOutput,
  annotations: {
    title: "Why DLQ runs failed",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  plan: (args: DlqInspectArgs) => ({ mode: "ids", dlqIds: args.dlqIds }),
  run: async (planned, { scope, journal, context }, args) => {
    const inspected = await inspectEntries(planned.dlqIds, scope, ATTEMPT_BODY_BYTES);
    journal.outcome({
      inspected: inspected.entries.length,
      gone: inspected.gone,
      failed: inspected.failed.map(({ dlqId }) => dlqId),
      ...(inspected.logsError ? { logsError: inspected.logsError.message } : {}),
    });
    if (inspected.entries.length === 0 && inspected.failed.length > 0) {
      const gone = inspected.gone.length > 0 ? ` Not in the DLQ: ${inspected.gone.join(", ")}.` : "";
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
      (entries) => ({
        entries,
        gone: inspected.gone,
        ...(inspected.failed.length > 0
          ? { failed: inspected.failed.map(({ dlqId, error }) => ({ dlqId, error: errorInfo(error) })) }
          : {}),
        ...(inspected.logsError ? { logsError: errorInfo(inspected.logsError) } : {}),
      }),
      context.policy.maxResultChars - SUMMARY_MAX_CHARS - 100,
    );
    const lines = inspected.entries.map(({ message, run }) => explain(message, run));
    if (inspected.gone.length > 0) {
      lines.push(
        `Not in the DLQ: ${inspected.gone.slice(0, 5).join(", ")}${inspected.gone.length > 5 ? ` and ${inspected.gone.length - 5} more` : ""} (resumed, restarted or deleted since; workflow_runs shows runs resumed).`,
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

type Item = { dlqId: string; entry: CompactMessage; run?: ReturnType<typeof describeRun> };

/**
 * Cuts the items until the result fits `room` as JSON, in stages, each applied to every item
 * and checked again: earlier attempts' bodies, then headers, bodies and the failure function's
 * answer, then the step list and all but the last attempt; entries that still do not fit are
 * left out and named, so the caller can ask for them again.
 */
function fitted<T extends object>(
  items: Item[],
  wrap: (items: Item[]) => T,
  room: number,
): T & { notShown?: string[] } {
  const fits = (value: unknown) => JSON.stringify(value).length <= room;
  const share = Math.floor(room / Math.max(1, items.length));
  const stages: ((item: Item) => Item)[] = [
    (item) => ({
      ...item,
      entry: fitMessage(item.entry, Math.max(MIN_ENTRY_CHARS, share - JSON.stringify(item.run ?? {}).length)),
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
    if (fits(wrap(current))) return wrap(current);
    current = current.map(stage);
  }
  const notShown: string[] = [];
  while (current.length > 0 && !fits({ ...wrap(current), notShown })) {
    notShown.unshift((current.at(-1) as Item).dlqId);
    current = current.slice(0, -1);
  }
  return notShown.length > 0 ? { ...wrap(current), notShown } : wrap(current);
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

/** One line a person reads: where the run failed, how often it was tried, and what came back. */
function explain(message: DlqMessage, run: LoggedRun | undefined): string {
  const step = run?.failedStep;
  const where = step?.name
    ? `step "${clip(step.name, 60)}"${step.type ? ` (${step.type})` : ""}`
    : message.url
      ? `${clip(message.url, 80)}`
      : "its failed step";
  const tries = run && run.attempts.length > 0 ? ` after ${plural(run.attempts.length, "attempt")}` : "";
  const status = step?.status ?? message.responseStatus;
  const last = run?.attempts.at(-1)?.body ?? message.responseBody;
  const answer = `${status === undefined ? "" : ` with ${status}`}${last ? `: ${clip(last.replace(/\s+/g, " "), 80)}` : ""}`;
  const callback = run?.failureFunction?.state ?? message.failureCallbackInfo?.state;
  const missing =
    run !== undefined
      ? ""
      : message.workflowRunId === undefined || message.workflowCreatedAt === undefined
        ? " (the entry names no run to look up in the logs)"
        : " (its run is not in the logs, which keep runs for the plan's retention)";
  return `${message.dlqId} failed at ${where}${tries}${answer}${callback ? `; failure function ${callback}` : ""}${missing}.`;
}
