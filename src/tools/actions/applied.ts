/**
 * What a redrive gave its new runs, echoed in every resume and restart result and dry run, so the
 * agent (and the person reading over its shoulder) sees the pace, retries and label that were
 * really sent without asking `flow_control_status`: in the structured `applied`, and in words in
 * the result's first line ("paced 10 per 1s under key incident-4711, 2 retries each").
 */
import { z } from "zod";
import type { ResumeOptions } from "../../qstash/request.js";

/** QStash's own default period for a rate (qstash/features/flowcontrol.mdx: "By default, the period is set to 1 second"). */
const DEFAULT_PERIOD = "1s";
const NO_LIMIT = "no limit";

const limit = z.union([z.number(), z.literal(NO_LIMIT)]);

export const appliedOutput = z
  .object({
    flowControl: z
      .object({
        key: z.string(),
        rate: limit,
        parallelism: limit,
        period: z
          .string()
          .optional()
          .meta({ description: "With a rate: its period (QStash's default is 1s)." }),
      })
      .nullable()
      .meta({ description: "null: no flow control; the new runs start at once." }),
    retries: z.union([z.number().int(), z.literal("default")]).meta({
      description: "default: QStash's own retry setting.",
    }),
    label: z.string().nullable().meta({ description: "null: each new run keeps its entry's label." }),
  })
  .meta({ description: "What the new runs were given: pace, retries and label, as sent." });

export type Applied = z.infer<typeof appliedOutput>;

export function appliedOf(options: ResumeOptions): Applied {
  const flow = options.flowControl;
  const period = typeof flow?.period === "number" ? `${flow.period}s` : flow?.period;
  return {
    flowControl: flow
      ? {
          key: flow.key,
          rate: flow.rate ?? NO_LIMIT,
          parallelism: flow.parallelism ?? NO_LIMIT,
          ...(flow.rate === undefined ? {} : { period: period ?? DEFAULT_PERIOD }),
        }
      : null,
    retries: options.retries ?? "default",
    label: options.label ?? null,
  };
}

/** "paced 10 per 1s, 5 at a time, under key incident-4711, 2 retries each, labelled incident-4711". */
export function appliedInWords(applied: Applied): string {
  const flow = applied.flowControl;
  const pace = flow
    ? `paced ${[
        flow.rate === NO_LIMIT ? "" : `${flow.rate} per ${flow.period ?? DEFAULT_PERIOD}`,
        flow.parallelism === NO_LIMIT ? "" : `${flow.parallelism} at a time`,
      ]
        .filter(Boolean)
        .join(", ")} under key ${flow.key}`
    : "no flow control";
  const retries =
    applied.retries === "default"
      ? "QStash's default retries"
      : `${applied.retries} ${applied.retries === 1 ? "retry" : "retries"} each`;
  // Keys and labels are names the schema limited to letters, digits and `-_.`: nothing to quote.
  const label = applied.label === null ? "labels kept" : `labelled ${applied.label}`;
  return `${pace}, ${retries}, ${label}`;
}
