/**
 * The action tools' result schema, written once with neutral field names and `{done}`-style
 * words, and rendered per tool by the words table: `dlq_restart`'s schema says `restarted` where
 * `dlq_resume`'s says `resumed`, and `dlq_delete` lists `deletedIds`.
 */
import { z } from "zod";
import {
  asked,
  compactMessage,
  errorInfo,
  journalIncomplete,
  nearMisses,
  requestedBy,
  stopReason,
  summaryOutput,
} from "../shared/output.js";
import { appliedOutput } from "./applied.js";
import { type ActionWords, inWords, renameKey } from "./words.js";

/** What an action call reports, in neutral names: `changed`, `probablyChanged`, `workflowRuns`. */
export const actionResult = z.object({
  mode: z.enum(["ids", "filter", "all"]),
  workflowRuns: z.array(
    z.object({
      dlqId: z
        .string()
        .optional()
        .meta({ description: "The entry this run was, where QStash's answer tells (a request of one id)." }),
      workflowRunId: z.string(),
      workflowCreatedAt: z.number().optional(),
    }),
  ),
  changed: z.number().int().meta({ description: "Runs {done} by this call; workflowRuns may list fewer." }),
  workflowRunsTruncated: z.boolean().optional().meta({
    description:
      "Lists here are cut short to fit the result; workflowRunsResource has all of them, or, without one, workflow_runs by applied.label.",
  }),
  workflowRunsResource: z.string().optional().meta({
    description:
      "URI of an MCP resource with everything this call {done}, probably {done} and did not find (readable for the rest of the session).",
  }),
  pages: z.number().int(),
  complete: z.boolean(),
  cursor: z
    .string()
    .optional()
    .meta({ description: "Present exactly when entries may remain: pass it back to continue." }),
  stopReason,
  scanned: z.number().int().optional().meta({
    description: "Listed selections (where, or a delete by filter or all): entries read, matching or not.",
  }),
  snapshot: z.string().optional().meta({
    description:
      "Filter and all: this operation, continuations included, acts only on entries that entered the DLQ at or before this time.",
  }),
  notFound: z.array(z.string()).optional().meta({ description: "Ids that were not in the DLQ." }),
  notFoundCount: z.number().int().optional().meta({
    description: "How many ids were not in the DLQ, when notFound lists only some.",
  }),
  probablyChanged: z.array(z.string()).optional().meta({
    description:
      "Ids that left the DLQ during a request that did not say what it did with them (its answer was lost, or it answered 404 for a batch of several ids): that request most likely {done} them, unless they had left before.",
  }),
  unreportedPossible: z.boolean().optional().meta({
    description: "A request's outcome is unknown: runs may have been {done} without being listed here.",
  }),
  unreportedAtMost: z.number().int().optional().meta({
    description: "With unreportedPossible: at most this many runs were {done} without being listed.",
  }),
  error: errorInfo.optional(),
  nearMisses,
  journalIncomplete,
  requestedBy,
  warnings: z.array(z.string()).optional(),
  flowControlKey: z.string().optional().meta({
    description:
      "The key the new runs wait under: flow_control_status watches it, flow_control_update pauses it.",
  }),
  applied: appliedOutput.optional(),
  ...asked,
  preview: z
    .object({
      matched: z
        .number()
        .int()
        .meta({ description: "Entries the call would resume (found within the bound)." }),
      matchedIsLowerBound: z
        .boolean()
        .meta({ description: "True when more entries may match beyond maxPages." }),
      unchecked: z.number().int().optional().meta({
        description: "dlqIds mode: ids past what this call would reach (maxPages × 50), not checked.",
      }),
      found: z.array(z.string()).optional().meta({ description: "dlqIds mode: ids that are in the DLQ." }),
      notFound: z
        .array(z.string())
        .optional()
        .meta({ description: "dlqIds mode: ids that are not in the DLQ." }),
      idsTruncated: z.boolean().optional().meta({
        description: "found and notFound list only some ids, to fit the result; matched counts all.",
      }),
      sample: z.array(compactMessage),
      summary: summaryOutput,
    })
    .optional()
    .meta({ description: "Present for dryRun: what would be {done}. Nothing was." }),
});

export type ActionResult = z.infer<typeof actionResult>;

/** What a delete lists: the entries it removed. */
const deletedIds = z.array(z.string()).meta({
  description: "dlqIds of the entries deleted by this call; the count may be larger when the list is cut.",
});

/** An action tool's output schema: the neutral one, in the action's field names and words. */
export function actionOutput(words: ActionWords): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, original] of Object.entries(actionResult.shape)) {
    // A delete starts no runs: nothing is applied to them.
    if (key === "applied" && words.listKey === "deletedIds") continue;
    const field: z.ZodType = key === "workflowRuns" && words.listKey === "deletedIds" ? deletedIds : original;
    const description = field.meta()?.description;
    shape[renameKey(key, words)] = description
      ? field.meta({ description: inWords(description, words) })
      : field;
  }
  return z.object(shape);
}
