/**
 * How a redrive's new runs go out: their flow control (key, rate, parallelism, period) and their
 * retries, checked as QStash checks them.
 */
import { z } from "zod";
import { LIMITS } from "./limits.js";
import { listed, resourceName, within } from "./messages.js";

/** QStash accepts a flow-control period from one second to one week. */
const PERIOD_MAX_SECONDS = 7 * 86_400;
const PERIOD_TEXT = /^\d+[smhd]$/;
const PERIOD_UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
const PERIOD_SHAPE =
  'flowControl.period must look like "10s", "1m", "1h" or "1d", or be a number of seconds.';
const PERIOD_TOO_LONG = `flowControl.period can be at most a week ("7d", ${PERIOD_MAX_SECONDS} seconds).`;
const PERIOD_TOO_SHORT = 'flowControl.period must be at least 1 second ("1s").';

/** "10s", "1m", "1h", "1d" in seconds; the text is already known to have that shape. */
export function periodSeconds(period: string): number {
  return (
    Number(period.slice(0, -1)) * PERIOD_UNIT_SECONDS[period.slice(-1) as keyof typeof PERIOD_UNIT_SECONDS]
  );
}

export const periodSchema = z
  .union(
    [
      z
        .number({ error: PERIOD_SHAPE })
        .int({ error: "flowControl.period in seconds must be a whole number." })
        .check((payload) => {
          if (payload.value < 1 || payload.value > PERIOD_MAX_SECONDS) {
            payload.issues.push({
              code: "custom",
              input: payload.value,
              message: payload.value < 1 ? PERIOD_TOO_SHORT : PERIOD_TOO_LONG,
              // A union reports the member whose issues do not abort: this one, not the text's.
              continue: true,
            });
          }
        }),
      z.string().check((payload) => {
        if (!PERIOD_TEXT.test(payload.value)) {
          payload.issues.push({ code: "custom", input: payload.value, message: PERIOD_SHAPE });
          return;
        }
        const seconds = periodSeconds(payload.value);
        if (seconds < 1 || seconds > PERIOD_MAX_SECONDS) {
          payload.issues.push({
            code: "custom",
            input: payload.value,
            message: seconds < 1 ? PERIOD_TOO_SHORT : PERIOD_TOO_LONG,
            // A union reports the member whose issues do not abort: this one, not the number's.
            continue: true,
          });
        }
      }),
    ],
    { error: PERIOD_SHAPE },
  )
  .meta({
    description: 'Window for rate: "10s", "1m", "1h", "1d" or seconds, at most 7d (default 1s).',
  });

export const flowControlSchema = z
  .strictObject(
    {
      key: resourceName(
        "flowControl.key",
        "payments-resume",
        'flowControl.key is required: a name such as "payments-resume".',
        'flowControl.key is empty: give a name such as "payments-resume".',
      ).meta({ description: "Use a new key per redrive." }),
      parallelism: z
        .number({ error: "flowControl.parallelism must be a whole number ≥ 1." })
        .int({ error: "flowControl.parallelism must be a whole number ≥ 1." })
        .check(within("flowControl.parallelism", 1, 100_000))
        .optional()
        .meta({ description: "Runs at once." }),
      rate: z
        .number({ error: "flowControl.rate must be a whole number ≥ 1." })
        .int({ error: "flowControl.rate must be a whole number ≥ 1." })
        .check(within("flowControl.rate", 1, 1_000_000))
        .optional()
        .meta({ description: "Runs started per period." }),
      period: periodSchema.optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `Unknown flowControl field(s) ${listed(issue.keys)}; use key, parallelism, rate and period.`
          : 'flowControl must be an object such as {"key": "payments-resume", "rate": 10, "period": "1s"}.',
    },
  )
  .superRefine((flowControl, ctx) => {
    if (flowControl.parallelism === undefined && flowControl.rate === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          'flowControl needs parallelism, rate, or both (for example {"key": "payments-resume", "parallelism": 5}).',
      });
    }
  })
  .meta({ description: "Pace the new runs for a recovering downstream." });

export const retriesSchema = z
  .number({ error: "retries must be a whole number from 0." })
  .int({ error: "retries must be a whole number from 0." })
  .min(0, { error: "retries cannot be negative: use 0 for no retries." })
  .max(LIMITS.retries, { error: `retries can be at most ${LIMITS.retries}.` })
  .meta({ description: "Retries of a new run's failing step (default 3)." });
