/**
 * Which DLQ entries a call is about: a filter (QStash's own, each field as its docs give it) or a
 * list of dlqIds.
 */

import { z } from "zod";
import { FAILURE_FUNCTION_STATES } from "../wire/types.js";
import { dateArgument } from "./dates.js";
import { LIMITS } from "./limits.js";
import { LONE_SURROGATE, listed, oneOrMany, text, within } from "./messages.js";

export const filterSchema = z
  .strictObject(
    {
      workflowUrl: oneOrMany(
        "filter.workflowUrl",
        'to select several URLs pass a list such as ["https://a.example/wf", "https://b.example/wf"]; a URL that contains a comma cannot be filtered on, so filter by label or workflowRunId instead.',
      ),
      workflowRunId: text("filter.workflowRunId"),
      workflowCreatedAt: z
        .number({ error: "filter.workflowCreatedAt must be Unix milliseconds (a whole number)." })
        .int({ error: "filter.workflowCreatedAt must be whole Unix milliseconds." })
        .check(within("filter.workflowCreatedAt", 0, Number.MAX_SAFE_INTEGER))
        .meta({ description: "Unix ms." }),
      label: oneOrMany("filter.label"),
      fromDate: dateArgument("fromDate"),
      toDate: dateArgument("toDate"),
      callerIp: oneOrMany("filter.callerIp"),
      flowControlKey: oneOrMany("filter.flowControlKey"),
      failureFunctionState: z.enum(FAILURE_FUNCTION_STATES, {
        error: `filter.failureFunctionState must be one of ${FAILURE_FUNCTION_STATES.join(", ")}.`,
      }),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `Unknown filter field(s) ${listed(issue.keys)}. Known fields: workflowUrl, workflowRunId, workflowCreatedAt, label, fromDate, toDate, callerIp, flowControlKey, failureFunctionState.`
          : 'filter must be an object such as {"label": "payments"}.',
    },
  )
  .partial()
  .check((payload) => {
    const filter = payload.value;
    // After an unknown or broken field the filter only looks empty: that field was dropped.
    if (payload.issues.length === 0 && Object.values(filter).every((value) => value === undefined)) {
      payload.issues.push({
        code: "custom",
        input: filter,
        message:
          "filter is empty: give at least one field (for example label or workflowUrl). To act on every entry, use dlq_resume_all.",
      });
    }
    if (filter.fromDate !== undefined && filter.toDate !== undefined && filter.fromDate > filter.toDate) {
      payload.issues.push({
        code: "custom",
        input: filter,
        message: "fromDate is after toDate: swap them.",
        path: ["fromDate"],
      });
    }
  })
  .meta({ description: "Whole values; fields ANDed, list values ORed." });

const DLQ_ID_PROBLEMS = {
  type: "is not a string",
  empty: "is empty",
  long: `is longer than ${LIMITS.idLength} characters`,
  surrogate: "contains an unpaired UTF-16 surrogate",
} as const;

/** How a list of ids is named in its messages. */
interface IdNames {
  field: string;
  what: string;
  fix: string;
}

const DLQ_ID_NAMES: IdNames = {
  field: "dlqIds",
  what: "DLQ id",
  fix: "pass the dlqId strings dlq_list returns.",
};

export const RUN_ID_NAMES: IdNames = {
  field: "workflowRunIds",
  what: "workflow run id",
  fix: "pass run ids as a log, a customer or dlq_list shows them (wfr_…).",
};

/**
 * Ids are checked one by one here rather than by an element schema, so that a list of thousands
 * of bad ids gets one message that names a few of them, not one line per id. The published JSON
 * Schema still describes the items.
 */
export function dlqIdList(
  max: number,
  tooMany: string,
  empty = "dlqIds is empty: pass at least one DLQ id, or use filter, or dlq_resume_all.",
  names: IdNames = DLQ_ID_NAMES,
) {
  return z
    .array(z.unknown(), { error: `${names.field} must be a list of ${names.what} strings.` })
    .min(1, { error: empty })
    .max(max, { error: tooMany })
    .transform((ids, ctx) => {
      const problems = new Map<keyof typeof DLQ_ID_PROBLEMS, number[]>();
      const trimmed: string[] = [];
      ids.forEach((id, index) => {
        const problem =
          typeof id !== "string"
            ? "type"
            : id.trim() === ""
              ? "empty"
              : id.trim().length > LIMITS.idLength
                ? "long"
                : LONE_SURROGATE.test(id)
                  ? "surrogate"
                  : undefined;
        if (problem) problems.set(problem, [...(problems.get(problem) ?? []), index]);
        else trimmed.push((id as string).trim());
      });
      for (const [problem, indexes] of problems) {
        ctx.addIssue({
          code: "custom",
          message: `The ${names.what} at ${names.field}[${listed(indexes.map(String))}] ${DLQ_ID_PROBLEMS[problem]}: ${names.fix}`,
        });
      }
      return problems.size > 0 ? z.NEVER : trimmed;
    })
    .meta({ items: { type: "string", minLength: 1, maxLength: LIMITS.idLength } });
}

export const dlqIdsSchema = dlqIdList(
  LIMITS.dlqIdsPerCall,
  `dlqIds takes at most ${LIMITS.dlqIdsPerCall} ids per call: split the list, or select them with filter.`,
);
export type FilterArgs = z.output<typeof filterSchema>;
