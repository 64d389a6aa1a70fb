/**
 * Date arguments: ISO 8601 text or Unix milliseconds, with the mistakes a model makes (seconds
 * for milliseconds, a date that cannot be meant) refused with a message that names the fix.
 */
import { z } from "zod";

/** Dates before 1973 in milliseconds are almost always seconds passed by mistake. */
const SMALLEST_PLAUSIBLE_MS = 1e11;
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export function dateArgument(name: string) {
  return z
    .union(
      [
        z.number(),
        z.string().max(64, {
          error: `${name} is too long for a date: use an ISO-8601 string such as "2026-11-28T14:00:00Z".`,
        }),
      ],
      {
        error: `${name} must be Unix milliseconds (a number) or an ISO-8601 string such as "2026-11-28T14:00:00Z".`,
      },
    )
    .transform((value, ctx) => {
      const ms = typeof value === "number" ? value : parseDateText(value);
      if (typeof ms === "string") {
        ctx.addIssue({ code: "custom", message: `${name} "${String(value).slice(0, 64)}" ${ms}` });
        return z.NEVER;
      }
      if (ms === undefined || !Number.isFinite(ms)) {
        ctx.addIssue({
          code: "custom",
          message: `${name} "${String(value).slice(0, 64)}" is not a date: pass Unix milliseconds or an ISO-8601 string such as "2026-11-28T14:00:00Z".`,
        });
        return z.NEVER;
      }
      if (!Number.isInteger(ms) || ms < SMALLEST_PLAUSIBLE_MS || ms > 8.64e15) {
        ctx.addIssue({
          code: "custom",
          message:
            ms > 0 && ms < SMALLEST_PLAUSIBLE_MS
              ? `${name} ${ms} looks like Unix seconds: pass milliseconds (${Math.trunc(ms) * 1000}) or an ISO-8601 string.`
              : `${name} ${ms} is out of range: pass whole Unix milliseconds or an ISO-8601 string.`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .meta({
      description: `Entered the DLQ ${name === "fromDate" ? "from" : "until"}.`,
    });
}

/** Milliseconds, undefined when the text is no date, or a message for a date that cannot be meant. */
function parseDateText(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const parts = ISO_8601.exec(trimmed);
  if (!parts) return undefined;
  const [, year, month, day, hour, , , zone] = parts;
  if (hour !== undefined && zone === undefined) {
    // Without a zone the server's own clock would decide what the agent meant.
    return `has no time zone: add one, as in "${trimmed.replace(" ", "T")}Z" for UTC.`;
  }
  const ms = Date.parse(trimmed.replace(" ", "T"));
  if (Number.isNaN(ms)) return undefined;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) {
    return "is not a calendar date.";
  }
  return ms;
}
