/**
 * The pieces every argument schema is built from, and the wording of their messages: text
 * fields, one-or-many values, numbers within bounds, resource names, counts, cursors and page
 * bounds. Every message names the fix, because the reader is usually a model that will call again.
 */

import { z } from "zod";
import { quoted } from "../quote.js";
import { RESOURCE_NAME_PATTERN } from "../wire/types.js";
import { LIMITS } from "./limits.js";

/** Unpaired UTF-16 surrogates cannot be sent: a URL would carry U+FFFD instead of what was asked. */
export const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** At most this many problems of one kind are listed; the rest are counted. */
const LISTED_PROBLEMS = 3;

export function listed(items: readonly string[]): string {
  const shown = items
    .slice(0, LISTED_PROBLEMS)
    .map((item) => (item.length > 64 ? `${item.slice(0, 64)}…` : item));
  return items.length > LISTED_PROBLEMS
    ? `${shown.join(", ")} and ${items.length - LISTED_PROBLEMS} more`
    : shown.join(", ");
}

export const text = (what: string) =>
  z
    .string({ error: `${what} must be a string.` })
    .min(1, { error: `${what} is empty: give a value or leave the field out.` })
    .max(LIMITS.textLength, { error: `${what} is longer than ${LIMITS.textLength} characters.` })
    .refine((value) => !LONE_SURROGATE.test(value), {
      error: `${what} contains an unpaired UTF-16 surrogate: send well-formed text.`,
    });

/**
 * QStash splits a filter value at commas (`label=a,b` selects a or b), so a value holding one
 * would select something other than what was asked; a list is how several values are sent.
 */
const withoutComma = (what: string, remedy: string) =>
  text(what).refine((value) => !value.includes(","), {
    error: (issue) =>
      `${what} ${quoted(String(issue.input), 66)} contains a comma, which QStash reads as a separator between values: ${remedy}`,
  });

const COMMA_REMEDY = 'pass a list such as ["a", "b"] instead of a comma-joined string.';

/** Fields that accept one value or several (several are ORed by the server). */
export const oneOrMany = (what: string, remedy = COMMA_REMEDY) =>
  z.union(
    [
      withoutComma(what, remedy),
      z
        .array(withoutComma(what, remedy))
        .min(1, { error: `${what} is an empty list: give at least one value or leave the field out.` })
        .max(LIMITS.filterValues, { error: `${what} takes at most ${LIMITS.filterValues} values.` }),
    ],
    {
      error: `${what} must be a non-empty string, or a list of 1 to ${LIMITS.filterValues} non-empty strings (any of them matches).`,
    },
  );
/**
 * Caps that only catch a mistake (no one paces a redrive at a million runs a second) are checked
 * with a message naming them but left out of the published schema, to keep tools/list small.
 */
export function within(what: string, min: number, max: number) {
  return (payload: { value: number; issues: unknown[] }) => {
    if (payload.value < min || payload.value > max) {
      payload.issues.push({
        code: "custom",
        input: payload.value,
        message: payload.value < min ? `${what} must be at least ${min}.` : `${what} can be at most ${max}.`,
      });
    }
  };
}

/**
 * A flow-control key or a label: what QStash accepts as either, with messages that name the
 * field, and what to give when it is missing or empty.
 */
export function resourceName(what: string, example: string, missing: string, empty: string) {
  return z
    .string({ error: missing })
    .min(1, { error: empty })
    .max(LIMITS.idLength, { error: `${what} can be at most ${LIMITS.idLength} characters.` })
    .regex(RESOURCE_NAME_PATTERN, {
      error: `${what} may contain only letters, digits, '.', '_' and '-' (for example ${example}).`,
    });
}

export const countSchema = (max: number, description: string) =>
  z
    .number({ error: `count must be a whole number from 1 to ${max}.` })
    .int({ error: `count must be a whole number from 1 to ${max}.` })
    .min(1, { error: `count must be at least 1.` })
    .max(max, {
      error: `count can be at most ${max} per request; to go further raise maxPages, or continue with the cursor a result returns.`,
    })
    .meta({ description });

export const cursorSchema = z
  .string({ error: "cursor must be the string a previous call returned." })
  .min(1, { error: "cursor is empty: leave it out to start from the beginning." })
  .max(LIMITS.cursorLength, {
    error: `cursor is longer than ${LIMITS.cursorLength} characters, so no call returned it: pass the cursor exactly as a result gave it.`,
  })
  .meta({ description: "From the last result, to continue." });

export const maxPagesSchema = (description: string) =>
  z
    .number({ error: `maxPages must be a whole number from 1 to ${LIMITS.maxPages}.` })
    .int({ error: `maxPages must be a whole number from 1 to ${LIMITS.maxPages}.` })
    .min(1, { error: "maxPages must be at least 1." })
    .max(LIMITS.maxPages, { error: `maxPages can be at most ${LIMITS.maxPages}.` })
    .meta({ description });

export const unknownArguments =
  (tool: string, known: string) => (issue: { code?: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys"
      ? `Unknown argument(s) ${listed(issue.keys ?? [])} for ${tool}. It takes ${known}.`
      : undefined;
