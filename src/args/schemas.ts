/**
 * The tools' argument schemas. They are the single source for validation, for the JSON Schema
 * a client shows the model, and for the README's tool reference. Every message names the fix,
 * because the reader is usually a model that will call again.
 */
import { z } from "zod";
import { quoted } from "../quote.js";
import {
  FAILURE_FUNCTION_STATES,
  FLOW_CONTROL_ACTIONS,
  MAX_LIST_COUNT,
  RESOURCE_NAME_PATTERN,
} from "../wire/types.js";

export const LIMITS = {
  dlqIdsPerCall: 5000,
  /** One request each, and each named in the result. */
  callbackIdsPerCall: 200,
  /** Each with its run's steps and attempts: what a result can show in full. */
  inspectIdsPerCall: 10,
  idLength: 256,
  textLength: 2048,
  filterValues: 20,
  resumeCount: 100,
  listCount: MAX_LIST_COUNT,
  maxPages: 10_000,
  retries: 100,
  cursorLength: 4096,
} as const;

export const DEFAULTS = {
  resumeCount: 100,
  listCount: 50,
  listMaxPages: 1,
  bodyPreviewChars: 200,
} as const;

/** Messages returned alongside a grouped summary or a dry-run preview. */
export const SUMMARY_SAMPLE = 5;

/** Dates before 1973 in milliseconds are almost always seconds passed by mistake. */
const SMALLEST_PLAUSIBLE_MS = 1e11;
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function dateArgument(name: string) {
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
      description: `Entered the DLQ ${name === "fromDate" ? "from" : "until"} (inclusive): Unix ms or ISO-8601.`,
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

/** Unpaired UTF-16 surrogates cannot be sent: a URL would carry U+FFFD instead of what was asked. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** At most this many problems of one kind are listed; the rest are counted. */
const LISTED_PROBLEMS = 3;

function listed(items: readonly string[]): string {
  const shown = items
    .slice(0, LISTED_PROBLEMS)
    .map((item) => (item.length > 64 ? `${item.slice(0, 64)}…` : item));
  return items.length > LISTED_PROBLEMS
    ? `${shown.join(", ")} and ${items.length - LISTED_PROBLEMS} more`
    : shown.join(", ");
}

const text = (what: string) =>
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
const oneOrMany = (what: string, remedy = COMMA_REMEDY) =>
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
  .meta({ description: "Fields ANDed, list values ORed." });

const DLQ_ID_PROBLEMS = {
  type: "is not a string",
  empty: "is empty",
  long: `is longer than ${LIMITS.idLength} characters`,
  surrogate: "contains an unpaired UTF-16 surrogate",
} as const;

/**
 * Ids are checked one by one here rather than by an element schema, so that a list of thousands
 * of bad ids gets one message that names a few of them, not one line per id. The published JSON
 * Schema still describes the items.
 */
function dlqIdList(
  max: number,
  tooMany: string,
  empty = "dlqIds is empty: pass at least one DLQ id, or use filter, or dlq_resume_all.",
) {
  return z
    .array(z.unknown(), { error: "dlqIds must be a list of DLQ id strings." })
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
          message: `The DLQ id at dlqIds[${listed(indexes.map(String))}] ${DLQ_ID_PROBLEMS[problem]}: pass the dlqId strings dlq_list returns.`,
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

/**
 * Caps that only catch a mistake (no one paces a redrive at a million runs a second) are checked
 * with a message naming them but left out of the published schema, to keep tools/list small.
 */
function within(what: string, min: number, max: number) {
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

/** QStash accepts a flow-control period from one second to one week. */
const PERIOD_MAX_SECONDS = 7 * 86_400;
const PERIOD_TEXT = /^\d+[smhd]$/;
const PERIOD_UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
const PERIOD_SHAPE =
  'flowControl.period must look like "10s", "1m", "1h" or "1d", or be a number of seconds.';
const PERIOD_TOO_LONG = `flowControl.period can be at most a week ("7d", ${PERIOD_MAX_SECONDS} seconds).`;
const PERIOD_TOO_SHORT = 'flowControl.period must be at least 1 second ("1s").';

/** "10s", "1m", "1h", "1d" in seconds; the text is already known to have that shape. */
function periodSeconds(period: string): number {
  return (
    Number(period.slice(0, -1)) * PERIOD_UNIT_SECONDS[period.slice(-1) as keyof typeof PERIOD_UNIT_SECONDS]
  );
}

const periodSchema = z
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

/**
 * A flow-control key or a label: what QStash accepts as either, with messages that name the
 * field, and what to give when it is missing or empty.
 */
function resourceName(what: string, example: string, missing: string, empty: string) {
  return z
    .string({ error: missing })
    .min(1, { error: empty })
    .max(LIMITS.idLength, { error: `${what} can be at most ${LIMITS.idLength} characters.` })
    .regex(RESOURCE_NAME_PATTERN, {
      error: `${what} may contain only letters, digits, '.', '_' and '-' (for example ${example}).`,
    });
}

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

const countSchema = (max: number, description: string) =>
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
  });

const maxPagesSchema = (description: string) =>
  z
    .number({ error: `maxPages must be a whole number from 1 to ${LIMITS.maxPages}.` })
    .int({ error: `maxPages must be a whole number from 1 to ${LIMITS.maxPages}.` })
    .min(1, { error: "maxPages must be at least 1." })
    .max(LIMITS.maxPages, { error: `maxPages can be at most ${LIMITS.maxPages}.` })
    .meta({ description });

const unknownArguments = (tool: string, known: string) => (issue: { code?: string; keys?: string[] }) =>
  issue.code === "unrecognized_keys"
    ? `Unknown argument(s) ${listed(issue.keys ?? [])} for ${tool}. It takes ${known}.`
    : undefined;

const STATUS_CLASS = /^[1-5]xx$/;

export const whereSchema = z
  .strictObject(
    {
      responseStatus: z
        .array(z.union([z.number(), z.string()]), {
          error: 'where.responseStatus is a list of HTTP codes and classes, e.g. [503, "5xx"].',
        })
        .transform((list, ctx) => {
          for (const status of list) {
            const valid =
              typeof status === "number"
                ? Number.isInteger(status) && status >= 100 && status <= 599
                : STATUS_CLASS.test(status);
            if (!valid) {
              ctx.addIssue({
                code: "custom",
                message: `where.responseStatus takes HTTP codes (503) and classes ("5xx"), not ${JSON.stringify(status)}.`,
              });
              return z.NEVER;
            }
          }
          if (list.length === 0 || list.length > LIMITS.filterValues) {
            ctx.addIssue({
              code: "custom",
              message: `where.responseStatus takes 1 to ${LIMITS.filterValues} codes or classes.`,
            });
            return z.NEVER;
          }
          return list;
        })
        .optional()
        .meta({ description: 'e.g. [503, "5xx"]' }),
      responseBodyContains: text("where.responseBodyContains").optional().meta({ description: "Any case." }),
      failedStepUrl: text("where.failedStepUrl").optional().meta({ description: "Or its start." }),
    },
    { error: unknownArguments("where", "responseStatus, responseBodyContains, failedStepUrl") },
  )
  .refine((where) => Object.values(where).some((value) => value !== undefined), {
    error: "where is empty: give responseStatus, responseBodyContains or failedStepUrl, or leave it out.",
    // An unknown key is the mistake to report, not the emptiness it leaves behind.
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ description: "Matched on listed entries." });

const dryRunSchema = z
  .boolean({ error: "dryRun must be true or false (a boolean, not a string)." })
  .meta({ description: "Preview; change nothing." });

/** The token a result that asked for the user's yes handed out, passed back after they agreed. */
const confirmSchema = z
  .string({ error: "confirm must be the token string a result returned." })
  .min(1, { error: "confirm is empty: pass the token the result returned, or leave it out." })
  .max(LIMITS.cursorLength, { error: "confirm is longer than any token this server returns." });

/** The bounds and continuation every action by filter or all takes. */
const pagingShape = {
  count: countSchema(LIMITS.resumeCount, `Per request (default ${DEFAULTS.resumeCount}).`).optional(),
  cursor: cursorSchema.optional(),
  where: whereSchema.optional(),
  maxPages: maxPagesSchema("Requests per call (default: until the deadline).").optional(),
  dryRun: dryRunSchema.optional(),
  confirm: confirmSchema.optional(),
};

const labelSchema = resourceName(
  "label",
  "incident-4711",
  'label must be a string such as "incident-4711".',
  "label is empty: give one or leave it out.",
).meta({ description: "Replaces the new runs' label." });

const resumeShape = {
  ...pagingShape,
  flowControl: flowControlSchema.optional(),
  retries: retriesSchema.optional(),
  label: labelSchema.optional(),
};

export const dlqResumeInput = z
  .strictObject(
    { dlqIds: dlqIdsSchema.optional(), filter: filterSchema.optional(), ...resumeShape },
    {
      error: unknownArguments(
        "dlq_resume",
        "dlqIds or filter, where, count, cursor, flowControl, retries, label, maxPages, dryRun, confirm",
      ),
    },
  )
  .superRefine((args, ctx) => {
    if (args.dlqIds !== undefined && args.filter !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: "Pass either dlqIds or filter, not both: QStash ignores a filter when ids are given.",
      });
    } else if (args.dlqIds === undefined && args.filter === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          'Pass dlqIds (ids from dlq_list) or filter (for example {"label": "payments"}). To resume every entry, use dlq_resume_all.',
      });
    }
    if (args.dlqIds !== undefined && args.count !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["count"],
        message: "count applies to filter mode only; leave it out with dlqIds (ids are sent 50 per request).",
      });
    }
    whereNeedsListing(args, ctx);
  });

/** where matches listed entries, so it narrows a filter or all, never an id list. */
function whereNeedsListing(args: { dlqIds?: unknown; where?: unknown }, ctx: z.RefinementCtx): void {
  if (args.dlqIds !== undefined && args.where !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["where"],
      message:
        "where narrows a filter or all: true, not dlqIds: pass the ids you want, or use filter (or all: true) with where.",
    });
  }
}

const allSchema = z.literal(true, {
  error: "all must be true to act on every entry; leave it out to pass dlqIds or filter.",
});

/** Exactly one of dlqIds, filter and all selects the entries an action takes. */
function oneSelection(tool: string) {
  return (
    args: { dlqIds?: unknown; filter?: unknown; all?: unknown; count?: unknown; where?: unknown },
    ctx: z.RefinementCtx,
  ) => {
    const given = [args.dlqIds, args.filter, args.all].filter((value) => value !== undefined).length;
    if (given > 1) {
      ctx.addIssue({
        code: "custom",
        message: `Pass exactly one of dlqIds, filter and all to ${tool}: QStash ignores a filter when ids are given, and all means every entry.`,
      });
    } else if (given === 0) {
      ctx.addIssue({
        code: "custom",
        message: `Pass dlqIds (ids from dlq_list), filter (for example {"label": "payments"}) or all: true to ${tool}.`,
      });
    }
    if (args.dlqIds !== undefined && args.count !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["count"],
        message:
          "count applies to filter and all only; leave it out with dlqIds (ids are sent 50 per request).",
      });
    }
    whereNeedsListing(args, ctx);
  };
}

export const dlqRestartInput = z
  .strictObject(
    {
      dlqIds: dlqIdsSchema.optional(),
      filter: filterSchema.optional(),
      all: allSchema.optional(),
      ...resumeShape,
    },
    {
      error: unknownArguments(
        "dlq_restart",
        "dlqIds, filter or all, where, count, cursor, flowControl, retries, label, maxPages, dryRun, confirm",
      ),
    },
  )
  .superRefine(oneSelection("dlq_restart"));

export const dlqDeleteInput = z
  .strictObject(
    {
      dlqIds: dlqIdsSchema.optional(),
      filter: filterSchema.optional(),
      all: allSchema.optional(),
      ...pagingShape,
    },
    {
      error: unknownArguments(
        "dlq_delete",
        "dlqIds, filter or all, where, count, cursor, maxPages, dryRun, confirm",
      ),
    },
  )
  .superRefine(oneSelection("dlq_delete"));

export const dlqRetryCallbackInput = z.strictObject(
  {
    dlqIds: dlqIdList(
      LIMITS.callbackIdsPerCall,
      `dlqIds takes at most ${LIMITS.callbackIdsPerCall} ids per call here (one request each): split the list.`,
    ).meta({
      description:
        'Entries whose callback failed (dlq_list filter {"failureFunctionState": "CALLBACK_FAIL"}).',
    }),
    confirm: confirmSchema.optional(),
  },
  { error: unknownArguments("dlq_retry_failure_callback", "dlqIds, confirm") },
);

export const dlqResumeAllInput = z.strictObject(resumeShape, {
  error: unknownArguments(
    "dlq_resume_all",
    "where, count, cursor, flowControl, retries, label, maxPages, dryRun, confirm",
  ),
});

const includeHeaders = z
  .boolean({ error: "includeHeaders must be true or false (a boolean, not a string)." })
  .optional()
  .meta({ description: "Headers too (can hold secrets)." });

const includeBodies = z
  .boolean({ error: "includeBodies must be true or false (a boolean, not a string)." })
  .optional()
  .meta({ description: "Full bodies too (large; can hold secrets)." });

export const dlqListInput = z.strictObject(
  {
    filter: filterSchema.optional(),
    where: whereSchema.optional(),
    count: countSchema(LIMITS.listCount, `Messages per request (default ${DEFAULTS.listCount}).`).optional(),
    cursor: cursorSchema.optional(),
    maxPages: maxPagesSchema(
      `Requests before a cursor is returned (default ${DEFAULTS.listMaxPages}).`,
    ).optional(),
    includeHeaders,
    includeBodies,
    idsOnly: z
      .boolean({ error: "idsOnly must be true or false (a boolean, not a string)." })
      .optional()
      .meta({
        description: "Return only the dlqIds.",
      }),
    summary: z
      .boolean({ error: "summary must be true or false (a boolean, not a string)." })
      .optional()
      .meta({
        description: `Counts by workflow, label, status, callback state and error, and ${SUMMARY_SAMPLE} samples; raise count and maxPages to cover more.`,
      }),
  },
  {
    error: unknownArguments(
      "dlq_list",
      "filter, where, count, cursor, maxPages, includeHeaders, includeBodies, idsOnly, summary",
    ),
  },
);

export const dlqInspectInput = z.strictObject(
  {
    dlqIds: dlqIdList(
      LIMITS.inspectIdsPerCall,
      `dlq_inspect takes at most ${LIMITS.inspectIdsPerCall} dlqIds: pick a few from each dlq_list summary group.`,
      "dlqIds is empty: pass the dlqIds to inspect, as dlq_list lists them.",
    ).meta({ description: `Up to ${LIMITS.inspectIdsPerCall}, from dlq_list.` }),
    includeHeaders,
    includeBodies,
  },
  { error: unknownArguments("dlq_inspect", "dlqIds, includeHeaders, includeBodies") },
);

const flowKeySchema = resourceName(
  "key",
  "billing-redrive-1",
  'key must be a flow-control key such as "billing-redrive-1".',
  "key is empty: give the flow-control key.",
);

export const flowControlStatusInput = z.strictObject(
  { key: flowKeySchema.optional() },
  { error: unknownArguments("flow_control_status", "key") },
);

export const flowControlUpdateInput = z
  .strictObject(
    {
      key: flowKeySchema,
      action: z.enum(FLOW_CONTROL_ACTIONS, {
        error: `action must be one of ${FLOW_CONTROL_ACTIONS.join(", ")}.`,
      }),
      parallelism: flowControlSchema.shape.parallelism,
      rate: flowControlSchema.shape.rate,
      period: periodSchema
        .optional()
        .transform((period) => (typeof period === "string" ? periodSeconds(period) : period)),
      confirm: confirmSchema.optional(),
    },
    { error: unknownArguments("flow_control_update", "key, action, parallelism, rate, period, confirm") },
  )
  .superRefine((args, ctx) => {
    const pace = args.parallelism !== undefined || args.rate !== undefined || args.period !== undefined;
    if (args.action === "pin" && !pace) {
      ctx.addIssue({
        code: "custom",
        message: "pin needs parallelism, rate or period: what to fix the key at.",
      });
    }
    if (args.action !== "pin" && pace) {
      ctx.addIssue({
        code: "custom",
        message: `parallelism, rate and period go with action pin only; ${args.action} takes just the key.`,
      });
    }
  });

export const RUN_STATES = ["RUN_STARTED", "RUN_SUCCESS", "RUN_FAILED", "RUN_CANCELED"] as const;

const runRef = z.strictObject(
  {
    // A resume result's runs carry the dlqId they were; passed back as they are, it is not needed.
    dlqId: text("workflowRuns[].dlqId").optional(),
    workflowRunId: text("workflowRuns[].workflowRunId"),
    workflowCreatedAt: z
      .number({
        error: "workflowRuns[].workflowCreatedAt must be Unix milliseconds, as a resume result lists it.",
      })
      .int({ error: "workflowRuns[].workflowCreatedAt must be whole Unix milliseconds." }),
  },
  {
    error:
      'Each of workflowRuns is {"workflowRunId": …, "workflowCreatedAt": …}, as a resume result lists them.',
  },
);

export const workflowRunsInput = z
  .strictObject(
    {
      workflowRuns: z
        .array(runRef, { error: "workflowRuns must be a list of runs from a resume or restart result." })
        .min(1, { error: "workflowRuns is empty: leave it out to select by label or time." })
        .max(LIMITS.dlqIdsPerCall, {
          error: `workflowRuns takes at most ${LIMITS.dlqIdsPerCall} runs per call.`,
        })
        .optional()
        .meta({ description: "As a resume or restart result lists them." }),
      label: text("label").optional(),
      workflowUrl: text("workflowUrl").optional(),
      fromDate: dateArgument("fromDate")
        .optional()
        .meta({ description: "Runs created from (Unix ms or ISO-8601)." }),
      toDate: dateArgument("toDate").optional().meta({ description: "Runs created until." }),
      state: z.enum(RUN_STATES, { error: `state must be one of ${RUN_STATES.join(", ")}.` }).optional(),
      cursor: cursorSchema.optional(),
      maxPages: maxPagesSchema("Requests per call (default: until the deadline).").optional(),
    },
    {
      error: unknownArguments(
        "workflow_runs",
        "workflowRuns or label, workflowUrl, fromDate, toDate, state, cursor, maxPages",
      ),
    },
  )
  .superRefine((args, ctx) => {
    const filtered = [args.label, args.workflowUrl, args.fromDate, args.toDate, args.state].some(
      (value) => value !== undefined,
    );
    if (args.workflowRuns && filtered) {
      ctx.addIssue({
        code: "custom",
        message:
          "Pass workflowRuns or filters (label, workflowUrl, dates, state), not both: QStash ignores filters with a run list.",
      });
    } else if (!args.workflowRuns && !filtered) {
      ctx.addIssue({
        code: "custom",
        message: 'Pass workflowRuns (from a resume result) or a filter such as {"label": "incident-4711"}.',
      });
    }
  });

export type WorkflowRunsArgs = z.output<typeof workflowRunsInput>;
export type DlqResumeArgs = z.output<typeof dlqResumeInput>;
export type DlqResumeAllArgs = z.output<typeof dlqResumeAllInput>;
export type DlqRestartArgs = z.output<typeof dlqRestartInput>;
export type DlqDeleteArgs = z.output<typeof dlqDeleteInput>;
export type DlqRetryCallbackArgs = z.output<typeof dlqRetryCallbackInput>;
export type DlqListArgs = z.output<typeof dlqListInput>;
export type DlqInspectArgs = z.output<typeof dlqInspectInput>;
export type FilterArgs = z.output<typeof filterSchema>;
export type FlowControlUpdateArgs = z.output<typeof flowControlUpdateInput>;
