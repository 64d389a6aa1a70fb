/**
 * Hostile tool arguments and the properties every answer to them must keep.
 *
 * The generators mix valid calls, near misses with one field broken, wrong types at every level,
 * huge payloads, hostile unicode, prototype keys and deep junk. The oracle is the tool's own zod
 * schema applied to the arguments exactly as the tool receives them: after the transport (JSON
 * turns NaN into null and drops undefined) and after the SDK's request schema, which silently
 * drops a top-level "__proto__" member before any tool code runs.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CallToolRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import type { z } from "zod";
import { LIMITS } from "../../src/args/limits.js";
import { type Emulator, SEED_LABELS, SEED_WORKFLOW_URLS, startEmulator } from "../../src/emulator/index.js";
import type { Logger } from "../../src/log.js";
import {
  dlqDeleteInput,
  dlqRestartInput,
  dlqResumeAllInput,
  dlqResumeInput,
} from "../../src/tools/actions/input.js";
import { dlqInspectInput } from "../../src/tools/dlq-inspect/input.js";
import { dlqListInput } from "../../src/tools/dlq-list/input.js";
import { dlqRetryCallbackInput } from "../../src/tools/dlq-retry-failure-callback/input.js";
import { flowControlStatusInput, flowControlUpdateInput } from "../../src/tools/flow-control/input.js";
import { workflowRunsInput } from "../../src/tools/workflow-runs/input.js";
import { type DlqMessage, FAILURE_FUNCTION_STATES } from "../../src/wire/types.js";
import { SEED_OPTIONS } from "../support/data.js";
import { TEST_TOKEN } from "../support/harness.js";
import { serveInMemory } from "../support/in-memory.js";

export type ToolName =
  | "dlq_list"
  | "dlq_inspect"
  | "dlq_resume"
  | "dlq_resume_all"
  | "dlq_restart"
  | "dlq_delete"
  | "dlq_retry_failure_callback"
  | "flow_control_status"
  | "flow_control_update"
  | "workflow_runs";
export type Args = Record<string, unknown>;

export const TOOL_NAMES: readonly ToolName[] = [
  "dlq_list",
  "dlq_inspect",
  "dlq_resume",
  "dlq_resume_all",
  "dlq_restart",
  "dlq_delete",
  "dlq_retry_failure_callback",
  "flow_control_status",
  "flow_control_update",
  "workflow_runs",
];

export const INPUT_SCHEMAS: Record<ToolName, z.ZodType> = {
  dlq_list: dlqListInput,
  dlq_inspect: dlqInspectInput,
  dlq_resume: dlqResumeInput,
  dlq_resume_all: dlqResumeAllInput,
  dlq_restart: dlqRestartInput,
  dlq_delete: dlqDeleteInput,
  flow_control_status: flowControlStatusInput,
  flow_control_update: flowControlUpdateInput,
  workflow_runs: workflowRunsInput,
  dlq_retry_failure_callback: dlqRetryCallbackInput,
};

/** Every answer, valid call or not, must come within this. */
export const CALL_BOUND_MS = 5_000;
/** A tool error for an ordinary-sized mistake must stay readable. */
export const NORMAL_ERROR_TEXT_LIMIT = 2_048;

/** Only errors would reach stderr, and a hostile run should produce none. */
export const silentLogger: Logger = { log: () => {} };

// ---------------------------------------------------------------- building blocks

/** Sets a member as an own, enumerable property, even when its name is "__proto__". */
export function own<T extends object>(target: T, key: string, value: unknown): T {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

function objectOf(entries: readonly (readonly [string, unknown])[]): Args {
  const result: Args = {};
  for (const [key, value] of entries) own(result, key, value);
  return result;
}

export const PROTOTYPE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "valueOf",
  "__defineGetter__",
  "__lookupSetter__",
] as const;

/** One "character" each: control, invisible, bidi, combining, astral, lone surrogates, URL syntax. */
export const NASTY_UNITS = [
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u00ad",
  "\u200b",
  "\u200c",
  "\u200d",
  "\u2060",
  "\ufeff",
  "\u202e",
  "\u202d",
  "\u2066",
  "\u2069",
  "\u061c",
  "\u05d0",
  "\u0627",
  "\u0301",
  "\u2028",
  "\u2029",
  "\ufffd",
  "\ud800",
  "\udbff",
  "\udc00",
  "\udfff",
  "\u{1f600}",
  "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}",
  "\u{1d54f}",
  "\u{10ffff}",
  "\r\n",
  "\t",
  "%",
  "%00",
  "%zz",
  "&",
  "=",
  "?",
  "#",
  "+",
  "/",
  "\\",
  "..",
  '"',
  "'",
  "<",
  ">",
  "{",
  "}",
  "$\u007bx}",
  "`",
  " ",
];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

const plainUnit = fc.constantFrom("a", "Z", "0", "9", "_", "-", ".");
const nastyUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_UNITS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: plainUnit },
);

/** Short strings heavy in hostile unicode, lone surrogates included. */
export const nastyString = fc.oneof(
  fc.string({ unit: nastyUnit, maxLength: 24 }),
  fc.constantFrom(
    "",
    " ",
    "\u200b",
    "\ud800",
    "null",
    "undefined",
    "[object Object]",
    "NaN",
    "0",
    "-0",
    "true",
  ),
  fc.constantFrom(...PROTOTYPE_KEYS),
);

/** Hostile but well-formed text, for values meant to pass the schema (lone surrogates do not). */
const nonEmptyWellFormed = fc.string({
  unit: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...NASTY_UNITS.filter((unit) => !hasLoneSurrogate(unit))) },
    { weight: 4, arbitrary: plainUnit },
  ),
  minLength: 1,
  maxLength: 40,
});

export const SPECIAL_NUMBERS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  1,
  -1,
  0.5,
  1.5,
  99.999,
  1e308,
  -1e308,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1e11 - 1,
  1e11,
  8.64e15,
  8.64e15 + 1,
  100,
  101,
  1000,
  1001,
  5000,
  5001,
  1_000_001,
];

export const specialNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NUMBERS) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
);

const scalarJunk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  specialNumber,
  nastyString,
);

const junkKey = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 3, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc.constantFrom("filter", "dlqIds", "count", "cursor", "flowControl", "label", "key", "0", ""),
  },
);

/** Arbitrary JSON-ish junk: scalars, arrays and objects (with prototype keys), a few levels deep. */
export const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalarJunk,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.array(fc.tuple(junkKey, tie("value")), { maxLength: 4 }).map(objectOf),
  ),
})).value;

/** Nesting far deeper than any argument: arrays, objects, or both, alternating. */
export const deepJunk = fc
  .record({ depth: fc.integer({ min: 20, max: 600 }), shape: fc.constantFrom("array", "object", "mixed") })
  .map(({ depth, shape }) => nest(depth, shape));

export function nest(depth: number, shape: "array" | "object" | "mixed"): unknown {
  let value: unknown = "bottom";
  for (let level = 0; level < depth; level++) {
    const asArray = shape === "array" || (shape === "mixed" && level % 2 === 0);
    value = asArray ? [value] : own({}, level % 3 === 0 ? "__proto__" : "filter", value);
  }
  return value;
}

/** A string of at least 100 KB built from one hostile unit, so generating it stays cheap. */
export const hugeString = fc
  .record({ length: fc.integer({ min: 100_000, max: 300_000 }), unit: fc.constantFrom(...NASTY_UNITS, "x") })
  .map(({ length, unit }) => unit.repeat(Math.ceil(length / unit.length)));

export type HugeIdKind = "plain" | "empty" | "number" | "tooLong" | "mixed" | "nasty";

/** 6,000 to 20,000 ids, of one kind or mixed; always over the per-call limit. */
export const hugeIdList = fc
  .record({
    length: fc.integer({ min: LIMITS.dlqIdsPerCall + 1000, max: 20_000 }),
    kind: fc.constantFrom<HugeIdKind>("plain", "empty", "number", "tooLong", "mixed", "nasty"),
  })
  .map(({ length, kind }) => idList(length, kind));

export function idList(length: number, kind: HugeIdKind): unknown[] {
  const ids: unknown[] = new Array(length);
  const long = "L".repeat(LIMITS.idLength + 1);
  for (let index = 0; index < length; index++) {
    const pick =
      kind === "mixed" ? (["plain", "empty", "number", "tooLong", "nasty"] as const)[index % 5] : kind;
    switch (pick) {
      case "plain":
        ids[index] = `dlq_${index}`;
        break;
      case "empty":
        ids[index] = index % 2 ? "" : " \u00a0\t";
        break;
      case "number":
        ids[index] = index;
        break;
      case "tooLong":
        ids[index] = long;
        break;
      default:
        ids[index] = `${NASTY_UNITS[index % NASTY_UNITS.length]}${index}`;
    }
  }
  return ids;
}

/** Thousands of unknown members, prototype names among them. */
export const manyKeys = fc.integer({ min: 1_000, max: 10_000 }).map((count) => {
  const result: Args = {};
  for (let index = 0; index < count; index++) {
    own(result, index < PROTOTYPE_KEYS.length ? (PROTOTYPE_KEYS[index] as string) : `k${index}`, index);
  }
  return result;
});

// ---------------------------------------------------------------- per-field values

export interface Seeds {
  /** Ids that are in the emulator's DLQ (after a reset). */
  dlqIds: readonly string[];
  now: number;
}

interface Field {
  valid: fc.Arbitrary<unknown>;
  /** Wrong in a way a caller plausibly gets wrong: off by one, wrong unit, wrong shape. */
  nearMiss: fc.Arbitrary<unknown>;
}

const booleanField: Field = {
  valid: fc.boolean(),
  nearMiss: fc.constantFrom("true", "false", 1, 0, "yes", null, [], {}, [true]),
};

const countField = (max: number): Field => ({
  valid: fc.integer({ min: 1, max }),
  nearMiss: fc.constantFrom(
    0,
    -0,
    -1,
    max + 1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e308,
    "5",
    null,
    [5],
  ),
});

/** Kept small on purpose: a valid call may page through the emulator, and the run must stay fast. */
const maxPagesField = (max: number): Field => ({
  valid: fc.integer({ min: 1, max }),
  nearMiss: fc.constantFrom(0, -1, LIMITS.maxPages + 1, 2.5, Number.NaN, "1", null, true),
});

/** Selection by what QStash cannot filter on: statuses, body text, the step's URL. */
const whereField: Field = {
  valid: fc
    .record(
      {
        responseStatus: fc.array(
          fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom("2xx", "4xx", "5xx")),
          { minLength: 1, maxLength: 4 },
        ),
        responseBodyContains: fc.constantFrom("timeout", "ALREADY", "rate limit", "é"),
        failedStepUrl: fc.constantFrom("https://", "https://api.example.com/"),
      },
      { requiredKeys: [] },
    )
    .filter((where) => Object.keys(where).length > 0),
  nearMiss: fc.constantFrom(
    {},
    { responseStatus: 503 },
    { responseStatus: ["5XX"] },
    { responseStatus: [600] },
    { responseStatus: [] },
    { status: [503] },
    { responseBodyContains: "" },
    { failedStepUrl: 5 },
    [],
    "5xx",
  ),
};

const cursorField: Field = {
  valid: fc.oneof(
    fc.constantFrom(
      "eyJvIjo1fQ",
      "WyJvIiwzXQ",
      "ids1.0.0123456789abcdef",
      "ids1.99999999999999999999.ffffffffffffffff",
    ),
    nonEmptyWellFormed,
  ),
  nearMiss: fc.constantFrom("", 0, null, [], {}, ["abc"], "x".repeat(LIMITS.cursorLength + 1)),
};

const retriesField: Field = {
  valid: fc.oneof(fc.integer({ min: 0, max: LIMITS.retries }), fc.constant(-0)),
  nearMiss: fc.constantFrom(-1, LIMITS.retries + 1, 0.5, "3", null, Number.NaN, Number.NEGATIVE_INFINITY),
};

const flowControlKey = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);

/** QStash takes a flow-control period from one second to one week. */
export const PERIOD_MAX_SECONDS = 604_800;
const PERIOD_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

const periodValue = fc.oneof(
  fc.integer({ min: 1, max: PERIOD_MAX_SECONDS }),
  fc
    .constantFrom("s", "m", "h", "d")
    .chain((unit) =>
      fc
        .integer({ min: 1, max: PERIOD_MAX_SECONDS / (PERIOD_UNIT_SECONDS[unit] as number) })
        .map((n) => `${n}${unit}`),
    ),
  fc.constantFrom("1s", "7d", "168h", "10080m", "604800s", PERIOD_MAX_SECONDS),
);

const labelField: Field = {
  valid: fc.constantFrom("incident-4711", "redrive.2026-12-02", "a_b"),
  nearMiss: fc.constantFrom("", "two words", "a,b", 5, null, ["incident"], "x".repeat(257)),
};

const flowKeyField: Field = {
  valid: fc.constantFrom("redrive-1", "payments-api", "never.used_key"),
  nearMiss: fc.constantFrom("", "bad key", "k/1", 5, null, ["redrive-1"], {}, "x".repeat(257)),
};

const flowActionField: Field = {
  valid: fc.constantFrom("pause", "resume", "unpin", "resetRate"),
  nearMiss: fc.constantFrom("stop", "PAUSE", "", 1, null, ["pause"]),
};

const flowControlField: Field = {
  valid: fc
    .record(
      {
        key: flowControlKey,
        parallelism: fc.integer({ min: 1, max: 100_000 }),
        rate: fc.integer({ min: 1, max: 1_000_000 }),
        period: periodValue,
      },
      { requiredKeys: ["key"] },
    )
    .filter((value) => value.parallelism !== undefined || value.rate !== undefined),
  nearMiss: fc.oneof(
    fc.constantFrom(
      null,
      [],
      "payments-resume",
      {},
      { key: "" },
      { key: "bad key!", rate: 1 },
      { key: "k" },
      { key: "k", period: "1s" },
      { key: "k", rate: 0 },
      { key: "k", rate: 1.5 },
      { key: "k", rate: 1_000_001 },
      { key: "k", parallelism: 100_001 },
      { key: "k", parallelism: -0 },
      { key: "k", rate: 1, period: "soon" },
      { key: "k", rate: 1, period: "10 s" },
      { key: "k", rate: 1, period: 0 },
      { key: "k", rate: 1, period: -5 },
      { key: "k", rate: 1, period: 1.5 },
      { key: "k", rate: 1, period: "0s" },
      { key: "k", rate: 1, period: "0d" },
      { key: "k", rate: 1, period: "8d" },
      { key: "k", rate: 1, period: "169h" },
      { key: "k", rate: 1, period: "99999999d" },
      { key: "k", rate: 1, period: PERIOD_MAX_SECONDS + 1 },
      { key: "k", rate: 1, period: 31_536_000 },
      { key: "k".repeat(LIMITS.idLength + 1), rate: 1 },
      { key: "k\u200b", rate: 1 },
      { key: 5, rate: 1 },
      { key: "k", rate: "10" },
      { key: "k", rate: 1, burst: 2 },
    ),
    fc
      .tuple(fc.constantFrom(...PROTOTYPE_KEYS), junk)
      .map(([key, value]) => own({ key: "k", rate: 1 }, key, value)),
  ),
};

const dateValue = (now: number) =>
  fc.oneof(
    fc.integer({ min: now - 3 * 86_400_000, max: now }),
    fc.integer({ min: now - 3 * 86_400_000, max: now }).map((ms) => new Date(ms).toISOString()),
    fc.constantFrom(
      "2026-11-28",
      "2026-11-28T14:00:00Z",
      "2026-11-28 14:00",
      "2026-11-28T14:00:00.123456789+01:00",
    ),
  );

const dateNearMiss = fc.constantFrom(
  "yesterday",
  "",
  "2026-13-01",
  "28/11/2026",
  "1764331200",
  1_764_331_200,
  1_764_331_200_000.5,
  -1,
  0,
  -0,
  8.64e15 + 1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  null,
  true,
  [],
  {},
  "9".repeat(65),
  "2026-11-28T14:00:00Z".repeat(4),
);

const oneOrMany = (values: fc.Arbitrary<string>) =>
  fc.oneof(values, fc.array(values, { minLength: 1, maxLength: LIMITS.filterValues }));

/** QStash reads a comma in these as a separator, so a value holding one cannot be sent as meant. */
export const COMMA_SEPARATED_FILTER_FIELDS = ["workflowUrl", "label", "callerIp", "flowControlKey"] as const;

const oneOrManyNearMiss = fc.oneof(
  fc.constantFrom(
    "",
    [],
    [""],
    ["a", 5],
    5,
    null,
    {},
    [null],
    Array.from({ length: LIMITS.filterValues + 1 }, (_, index) => `v${index}`),
    "x".repeat(LIMITS.textLength + 1),
    "a,b",
    ",",
    ["a", "b,c"],
    "https://app.example/wf?ids=1,2",
  ),
  fc.tuple(nonEmptyWellFormed, nonEmptyWellFormed).map(([a, b]) => `${a},${b}`),
);

function filterFields(now: number): Record<string, Field> {
  return {
    workflowUrl: {
      valid: oneOrMany(fc.oneof(fc.constantFrom(...SEED_WORKFLOW_URLS), nonEmptyWellFormed)),
      nearMiss: oneOrManyNearMiss,
    },
    workflowRunId: {
      valid: nonEmptyWellFormed,
      nearMiss: fc.constantFrom("", 5, null, ["wfr_a"], "w".repeat(2049)),
    },
    workflowCreatedAt: {
      valid: fc.oneof(fc.nat(), fc.integer({ min: now - 86_400_000, max: now })),
      nearMiss: fc.constantFrom(-1, 1.5, "1764331200000", null, Number.NaN, 2 ** 53 + 2, 1e308),
    },
    label: {
      valid: oneOrMany(fc.oneof(fc.constantFrom(...SEED_LABELS), nonEmptyWellFormed)),
      nearMiss: oneOrManyNearMiss,
    },
    fromDate: { valid: dateValue(now), nearMiss: dateNearMiss },
    toDate: { valid: dateValue(now), nearMiss: dateNearMiss },
    callerIp: {
      valid: oneOrMany(fc.oneof(fc.ipV4(), fc.ipV6(), nonEmptyWellFormed)),
      nearMiss: oneOrManyNearMiss,
    },
    flowControlKey: {
      valid: oneOrMany(fc.oneof(flowControlKey, nonEmptyWellFormed)),
      nearMiss: oneOrManyNearMiss,
    },
    failureFunctionState: {
      valid: fc.constantFrom(...FAILURE_FUNCTION_STATES),
      nearMiss: fc.constantFrom("BROKEN", "callback_success", "", 1, null, [...FAILURE_FUNCTION_STATES]),
    },
  };
}

/** Objects built from a field table: a random subset (at least minKeys) of the fields, each valid. */
function validRecord(fields: Record<string, Field>, minKeys: number): fc.Arbitrary<Args> {
  const names = Object.keys(fields);
  return fc
    .subarray(names, { minLength: minKeys })
    .chain((chosen) =>
      fc
        .tuple(...chosen.map((name) => (fields[name] as Field).valid))
        .map((values) => objectOf(chosen.map((name, index) => [name, values[index]] as const))),
    );
}

/** One field of a valid object broken: a near miss, junk, removed, or an extra member. */
function breakOne(fields: Record<string, Field>, base: Args): fc.Arbitrary<Args> {
  const names = Object.keys(fields);
  const present = Object.keys(base);
  const removed = present.length
    ? [
        fc.constantFrom(...present).map((name) => {
          const copy = { ...base };
          delete copy[name];
          return copy;
        }),
      ]
    : [];
  return fc.oneof(
    ...removed,
    fc
      .tuple(
        fc.constantFrom(...names),
        fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, fc.constant(false)),
      )
      .chain(([name, nearMiss]) =>
        (nearMiss ? (fields[name] as Field).nearMiss : junk).map((value) => own({ ...base }, name, value)),
      ),
    fc.tuple(junkKey, junk).map(([key, value]) => (key in fields ? base : own({ ...base }, key, value))),
  );
}

const filterNearMissWhole = fc.constantFrom(
  null,
  [],
  "label",
  5,
  true,
  {},
  { status: 500 },
  { label: undefined },
);

function filterArbitraries(now: number) {
  const fields = filterFields(now);
  const valid = validRecord(fields, 1);
  const broken = valid.chain((base) => breakOne(fields, base));
  return { valid, broken, whole: fc.oneof(filterNearMissWhole, broken) };
}

const dlqIdsNearMiss = fc.constantFrom(
  [],
  "dlq_a",
  [""],
  ["dlq_a", " "],
  ["\u200b"],
  [5],
  [null],
  null,
  {},
  [["dlq_a"]],
  ["d".repeat(LIMITS.idLength + 1)],
);

function dlqIdsField(seeds: Seeds, maxLength = 60): Field {
  const idValue = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...seeds.dlqIds) },
    { weight: 1, arbitrary: nonEmptyWellFormed.filter((text) => text.trim().length > 0) },
  );
  return { valid: fc.array(idValue, { minLength: 1, maxLength }), nearMiss: dlqIdsNearMiss };
}

// ---------------------------------------------------------------- whole argument objects

export type Category = "valid" | "nearMiss" | "wrongTypes" | "huge" | "deep" | "prototype";

export interface GeneratedCall {
  category: Category;
  args: Args;
}

/** Slots of a tool's argument object, and for dlq_resume the two selection modes. */
function toolFields(tool: ToolName, seeds: Seeds): Record<string, Field> {
  const filter = filterArbitraries(seeds.now);
  const filterField: Field = { valid: filter.valid, nearMiss: filter.whole };
  if (tool === "dlq_list") {
    return {
      filter: filterField,
      where: whereField,
      count: countField(LIMITS.listCount),
      cursor: cursorField,
      maxPages: maxPagesField(3),
      includeHeaders: booleanField,
      includeBodies: booleanField,
      summary: booleanField,
    };
  }
  const paging = {
    count: countField(LIMITS.resumeCount),
    cursor: cursorField,
    where: whereField,
    maxPages: maxPagesField(2),
    dryRun: booleanField,
  };
  if (tool === "flow_control_status") return { key: flowKeyField };
  if (tool === "dlq_inspect") {
    return {
      dlqIds: dlqIdsField(seeds, LIMITS.inspectIdsPerCall),
      includeHeaders: booleanField,
      includeBodies: booleanField,
    };
  }
  if (tool === "workflow_runs") {
    return {
      workflowRuns: {
        valid: fc.array(
          fc.record({
            workflowRunId: fc.constantFrom("wfr_a", "wfr_b-1", "wfr_ünïcode"),
            workflowCreatedAt: fc.integer({ min: 1e12, max: 2e12 }),
          }),
          { minLength: 1, maxLength: 45 },
        ),
        nearMiss: fc.constantFrom(
          [],
          "wfr_a",
          [{ workflowRunId: "wfr_a" }],
          [{ workflowRunId: "", workflowCreatedAt: 1 }],
          [null],
        ),
      },
      label: labelField,
      workflowUrl: { valid: fc.constantFrom(...SEED_WORKFLOW_URLS), nearMiss: fc.constantFrom("", 5, null) },
      state: {
        valid: fc.constantFrom("RUN_STARTED", "RUN_SUCCESS", "RUN_FAILED", "RUN_CANCELED"),
        nearMiss: fc.constantFrom("DONE", "run_failed", "", 1),
      },
      cursor: cursorField,
      maxPages: maxPagesField(2),
    };
  }
  if (tool === "flow_control_update") {
    return {
      key: flowKeyField,
      action: flowActionField,
      parallelism: countField(100_000),
      rate: countField(1_000_000),
      period: { valid: periodValue, nearMiss: fc.constantFrom(0, "0s", "8d", "1w", -1, "1.5s") },
    };
  }
  const resume = { ...paging, flowControl: flowControlField, retries: retriesField, label: labelField };
  if (tool === "dlq_resume_all") return resume;
  if (tool === "dlq_delete")
    return { dlqIds: dlqIdsField(seeds), filter: filterField, all: allField, ...paging };
  if (tool === "dlq_retry_failure_callback") return { dlqIds: dlqIdsField(seeds) };
  if (tool === "dlq_restart")
    return { dlqIds: dlqIdsField(seeds), filter: filterField, all: allField, ...resume };
  return { dlqIds: dlqIdsField(seeds), filter: filterField, ...resume };
}

/** Tools that take exactly one selection: ids, a filter, or (restart, delete) all. */
const SELECTING = new Set<ToolName>(["dlq_resume", "dlq_restart", "dlq_delete"]);

const allField: Field = {
  valid: fc.constant(true),
  nearMiss: fc.constantFrom(false, "true", 1, null, [true], {}),
};

function validArgs(tool: ToolName, seeds: Seeds): fc.Arbitrary<Args> {
  const fields = toolFields(tool, seeds);
  if (tool === "dlq_retry_failure_callback") {
    return (fields.dlqIds as Field).valid.map((dlqIds) => ({ dlqIds }));
  }
  if (tool === "dlq_inspect") {
    const { dlqIds, ...flags } = fields as Record<string, Field>;
    return fc
      .tuple((dlqIds as Field).valid, validRecord(flags, 0))
      .map(([ids, rest]) => ({ dlqIds: ids, ...rest }));
  }
  if (tool === "workflow_runs") {
    // A run list, or filters: QStash takes one or the other.
    const { workflowRuns, cursor, maxPages, ...filters } = fields as Record<string, Field>;
    const paging = { cursor: cursor as Field, maxPages: maxPages as Field };
    return fc.oneof(
      fc
        .tuple((workflowRuns as Field).valid, validRecord(paging, 0))
        .map(([runs, rest]) => ({ workflowRuns: runs, ...rest })),
      fc
        .tuple(validRecord(filters, 1), validRecord(paging, 0))
        .map(([chosen, rest]) => ({ ...chosen, ...rest })),
    );
  }
  if (tool === "flow_control_update") {
    // Every action but pin takes just the key; pin takes at least one of the pace fields.
    const { key, action, ...pace } = fields as Record<string, Field>;
    const plain = fc
      .tuple((key as Field).valid, (action as Field).valid)
      .map(([value, verb]) => ({ key: value, action: verb }));
    const pin = fc
      .tuple((key as Field).valid, validRecord(pace, 1))
      .map(([value, rest]) => ({ key: value, action: "pin", ...rest }));
    return fc.oneof(plain, pin);
  }
  if (!SELECTING.has(tool)) return validRecord(fields, 0);
  const { dlqIds, filter, count, all, where, ...shared } = fields as Record<string, Field>;
  // where narrows a listed selection, never an id list.
  const byIds = fc
    .tuple((dlqIds as Field).valid, validRecord(shared, 0))
    .map(([ids, rest]) => ({ dlqIds: ids, ...rest }));
  const byFilter = fc
    .tuple(
      (filter as Field).valid,
      validRecord({ count: count as Field, where: where as Field, ...shared }, 0),
    )
    .map(([value, rest]) => ({ filter: value, ...rest }));
  if (!all) return fc.oneof(byIds, byFilter);
  const byAll = validRecord({ count: count as Field, where: where as Field, ...shared }, 0).map((rest) => ({
    all: true,
    ...rest,
  }));
  return fc.oneof(byIds, byFilter, byAll);
}

/** Mistakes that only make sense for dlq_resume's two selection modes. */
function resumeModeMistakes(seeds: Seeds): fc.Arbitrary<Args> {
  const fields = toolFields("dlq_resume", seeds);
  const ids = (fields.dlqIds as Field).valid;
  const filter = (fields.filter as Field).valid;
  return fc.oneof(
    fc.tuple(ids, filter).map(([dlqIds, value]) => ({ dlqIds, filter: value })),
    fc.tuple(ids, fc.integer({ min: 1, max: 100 })).map(([dlqIds, count]) => ({ dlqIds, count })),
    fc.constant({}),
    fc.record({ dryRun: fc.boolean(), retries: fc.integer({ min: 0, max: 3 }) }),
  );
}

/** Every slot (and some that do not exist) filled with junk. */
function wrongTypes(tool: ToolName, seeds: Seeds): fc.Arbitrary<Args> {
  const names = [...Object.keys(toolFields(tool, seeds)), "all", "dlqId", "ids", "filters"];
  return fc
    .subarray(names, { minLength: 1 })
    .chain((chosen) =>
      fc
        .tuple(...chosen.map(() => junk))
        .map((values) => objectOf(chosen.map((name, index) => [name, values[index]] as const))),
    );
}

/** Payloads far past every limit, in each slot that takes strings, lists or objects. */
function hugeArgs(tool: ToolName, seeds: Seeds): fc.Arbitrary<Args> {
  const base = validArgs(tool, seeds);
  const placed = (slot: string, value: fc.Arbitrary<unknown>) =>
    fc.tuple(base, value).map(([args, big]) => {
      const result = { ...args };
      if (slot.startsWith("filter.")) {
        const filter =
          typeof result.filter === "object" && result.filter !== null ? { ...result.filter } : {};
        own(filter, slot.slice("filter.".length), big);
        result.filter = filter;
      } else if (slot === "flowControl.key") {
        result.flowControl = { key: big, rate: 1 };
      } else {
        own(result, slot, big);
      }
      return result;
    });
  const stringSlots = [
    "cursor",
    "flowControl.key",
    "filter.label",
    "filter.workflowRunId",
    "filter.fromDate",
  ];
  const options: fc.Arbitrary<Args>[] = [
    fc.constantFrom(...stringSlots).chain((slot) => placed(slot, hugeString)),
    placed(
      "filter.workflowUrl",
      hugeString.map((text) => [text, text]),
    ),
    fc.tuple(base, hugeString).map(([args, key]) => own({ ...args }, key, 1)),
    fc.tuple(base, manyKeys).map(([args, keys]) => ({ ...args, ...keys })),
    placed("filter", manyKeys),
  ];
  if (SELECTING.has(tool) || tool === "dlq_retry_failure_callback") {
    options.push(hugeIdList.map((dlqIds) => ({ dlqIds })));
    options.push(
      fc.constantFrom<HugeIdKind>("number", "empty", "tooLong", "mixed").map((kind) => ({
        dlqIds: idList(LIMITS.dlqIdsPerCall, kind),
      })),
    );
  } else {
    options.push(placed("cursor", hugeIdList));
  }
  return fc.oneof(...options);
}

/** Prototype names as members at the top level and inside each nested object. */
function prototypeArgs(tool: ToolName, seeds: Seeds): fc.Arbitrary<Args> {
  const key = fc.constantFrom(...PROTOTYPE_KEYS);
  const valuey = fc.oneof(junk, fc.constant({ dlqIds: ["dlq_x"] }), fc.constant({ polluted: true }));
  const filterBase = filterArbitraries(seeds.now).valid;
  return fc.oneof(
    fc.tuple(validArgs(tool, seeds), key, valuey).map(([args, name, value]) => own({ ...args }, name, value)),
    fc.tuple(filterBase, key, valuey).map(([filter, name, value]) => {
      const args: Args = { filter: own({ ...filter }, name, value) };
      if (tool === "dlq_resume_all") return { flowControl: args.filter };
      return args;
    }),
    fc
      .tuple(flowControlField.valid, key, valuey)
      .map(([flowControl, name, value]) =>
        tool === "dlq_list"
          ? own({}, name, value)
          : { flowControl: own({ ...(flowControl as Args) }, name, value) },
      ),
    fc.tuple(key, valuey).map(([name, value]) => own({}, name, value)),
  );
}

export function callArbitrary(tool: ToolName, seeds: Seeds): fc.Arbitrary<GeneratedCall> {
  const fields = toolFields(tool, seeds);
  const tagged = (category: Category, args: fc.Arbitrary<Args>) =>
    args.map((value) => ({ category, args: value }));
  const nearMiss = SELECTING.has(tool)
    ? fc.oneof(
        validArgs(tool, seeds).chain((base) => breakOne(fields, base)),
        resumeModeMistakes(seeds),
      )
    : validArgs(tool, seeds).chain((base) => breakOne(fields, base));
  return fc.oneof(
    { weight: 20, arbitrary: tagged("valid", validArgs(tool, seeds)) },
    { weight: 40, arbitrary: tagged("nearMiss", nearMiss) },
    { weight: 22, arbitrary: tagged("wrongTypes", wrongTypes(tool, seeds)) },
    { weight: 8, arbitrary: tagged("prototype", prototypeArgs(tool, seeds)) },
    { weight: 6, arbitrary: tagged("huge", hugeArgs(tool, seeds)) },
    {
      weight: 4,
      arbitrary: tagged(
        "deep",
        fc
          .tuple(fc.constantFrom("filter", "flowControl", "dlqIds", "cursor", "x"), deepJunk)
          .map(([slot, value]) => own({}, slot, value)),
      ),
    },
  );
}

// ---------------------------------------------------------------- oracle and checks

/** The arguments as the tool's validator receives them. */
export function asReceived(tool: ToolName, args: Args, overJson: boolean): unknown {
  const sent = overJson ? JSON.parse(JSON.stringify(args)) : args;
  const request = CallToolRequestSchema.parse({
    method: "tools/call",
    params: { name: tool, arguments: sent },
  });
  return request.params.arguments;
}

export interface Verdict {
  valid: boolean;
  issues: { message: string; path: PropertyKey[] }[];
}

export function judge(tool: ToolName, args: Args, overJson: boolean): Verdict {
  const parsed = INPUT_SCHEMAS[tool].safeParse(asReceived(tool, args, overJson));
  return parsed.success
    ? { valid: true, issues: [] }
    : { valid: false, issues: parsed.error.issues.map(({ message, path }) => ({ message, path })) };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
}

/** A JavaScript stack frame, as opposed to the SDK's "… at dlqIds[0]" issue paths. */
const STACK_FRAME = /\bat (?:async )?\S*\s?\(?(?:file:|node:|\/)[^)\s]*:\d+:\d+\)?/;
const INTERNAL_ERROR =
  /\[object Object\]|Output validation error|Input validation error|URIError|TypeError|RangeError|ReferenceError|SyntaxError|Cannot read|is not a function|undefined is not/;

/** Small enough that the text of a tool error about it should be short too. */
export function isOrdinarySize(args: Args, verdict: Verdict): boolean {
  return verdict.issues.length <= 4 && fitsIn(args, 1_024) >= 0;
}

/**
 * What is left of a character budget after a value's keys and scalars, stopping early once it is
 * spent: serialising a 300 KB argument just to learn it is large would dominate the run.
 */
function fitsIn(value: unknown, budget: number): number {
  if (typeof value === "string") return budget - value.length - 2;
  if (typeof value !== "object" || value === null) return budget - 6;
  let left = budget - 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      left = fitsIn(item, left - 1);
      if (left < 0) return left;
    }
    return left;
  }
  for (const key of Object.keys(value)) {
    if (key.length > 64) return -1;
    left = fitsIn((value as Args)[key], left - key.length - 4);
    if (left < 0) return left;
  }
  return left;
}

export interface Observation {
  tool: ToolName;
  call: GeneratedCall;
  verdict: Verdict;
  result: CallToolResult;
  elapsedMs: number;
  /** Emulator requests made while the call ran. */
  requests: number;
}

function fail(observation: Observation, why: string): never {
  const text = textOf(observation.result);
  throw new Error(
    `${why}\ntool: ${observation.tool} (${observation.call.category})\nargs: ${preview(observation.call.args)}\nresult: ${text.slice(0, 600)}${text.length > 600 ? `… (${text.length} chars)` : ""}`,
  );
}

/** Whether the caller's own arguments contain the text, as a key or a string, so an error may quote it. */
function echoes(value: unknown, text: string, depth = 0): boolean {
  if (typeof value === "string") return value.includes(text);
  if (typeof value !== "object" || value === null || depth > 1_000) return false;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes(text) || echoes(item, text, depth + 1)) return true;
  }
  return false;
}

function preview(args: Args): string {
  try {
    const json = JSON.stringify(args);
    return json.length > 600 ? `${json.slice(0, 600)}… (${json.length} chars)` : json;
  } catch {
    return String(args);
  }
}

/**
 * Rules stated apart from the schema, so the oracle cannot drift from them: a call breaking one
 * must be judged invalid. Each names what QStash would make of the value.
 */
export function brokenRules(args: Args): string[] {
  const broken: string[] = [];
  const member = (value: unknown, key: string): unknown =>
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)
      ? (value as Args)[key]
      : undefined;
  const filter = member(args, "filter");
  for (const field of COMMA_SEPARATED_FILTER_FIELDS) {
    const value = member(filter, field);
    const values = Array.isArray(value) ? value : [value];
    if (values.some((item) => typeof item === "string" && item.includes(","))) {
      broken.push(`filter.${field} holds a comma, which QStash splits on`);
    }
  }
  const period = member(member(args, "flowControl"), "period");
  const seconds =
    typeof period === "number"
      ? period
      : typeof period === "string" && /^\d+[smhd]$/.test(period)
        ? Number(period.slice(0, -1)) * (PERIOD_UNIT_SECONDS[period.slice(-1)] as number)
        : undefined;
  if (seconds !== undefined && !(seconds >= 1 && seconds <= PERIOD_MAX_SECONDS)) {
    broken.push(`flowControl.period ${String(period)} is outside 1 second to 7 days`);
  }
  const count = member(args, "count");
  if (typeof count === "number" && count > LIMITS.listCount) broken.push(`count ${count} is over 100`);
  return broken;
}

/** Properties 1 to 4 for one answered call; throws a readable error naming the first one broken. */
export function checkObservation(observation: Observation): void {
  const { result, verdict, elapsedMs } = observation;
  const broken = brokenRules(observation.call.args);
  if (verdict.valid && broken.length > 0) fail(observation, `the schema accepted a call where ${broken[0]}`);
  const filterIssues = verdict.issues.filter(
    (issue) => issue.path.length === 1 && issue.path[0] === "filter",
  );
  if (
    filterIssues.some((issue) => issue.message.startsWith("Unknown filter field")) &&
    filterIssues.some((issue) => issue.message.startsWith("filter is empty"))
  ) {
    fail(observation, "an unknown filter field is also reported as an empty filter");
  }
  if (!Array.isArray(result.content) || result.content.length === 0) fail(observation, "content is empty");
  for (const part of result.content) {
    if (part.type !== "text" || typeof part.text !== "string")
      fail(observation, "content holds a non-text item");
  }
  if (result.isError !== true) {
    const data = result.structuredContent;
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      fail(observation, "a successful result carries no structuredContent object");
    }
  }
  if (elapsedMs > CALL_BOUND_MS) fail(observation, `the answer took ${Math.round(elapsedMs)} ms`);
  const text = textOf(result);
  if (!verdict.valid) {
    if (result.isError !== true) fail(observation, "invalid arguments were accepted");
    if (observation.requests !== 0)
      fail(observation, `invalid arguments reached QStash (${observation.requests} requests)`);
    if (text.trim().length === 0) fail(observation, "the tool error is empty");
    if (text.includes("[object Object]") && !echoes(observation.call.args, "[object Object]")) {
      fail(observation, "the tool error says [object Object]");
    }
    if (STACK_FRAME.test(text)) fail(observation, "the tool error carries a stack trace");
    for (const issue of verdict.issues.slice(0, 3)) {
      if (!text.includes(issue.message)) fail(observation, `the tool error does not say "${issue.message}"`);
    }
    if (isOrdinarySize(observation.call.args, verdict) && text.length > NORMAL_ERROR_TEXT_LIMIT) {
      fail(observation, `the tool error for an ordinary mistake is ${text.length} characters`);
    }
  } else if (result.isError === true) {
    // A valid call may still fail (a cursor that is not the server's, ids not in the DLQ), but it
    // must say so in the tool's own words, not leak an exception.
    if (text.trim().length === 0) fail(observation, "the tool error is empty");
    if (STACK_FRAME.test(text) || INTERNAL_ERROR.test(text))
      fail(observation, "a valid call leaked an internal error");
  }
}

export interface RunStats {
  calls: number;
  byCategory: Record<string, number>;
  valid: number;
  invalid: number;
  validErrors: number;
  requests: number;
  maxMs: number;
  totalMs: number;
  maxErrorText: number;
  /** How valid calls that still ended in a tool error were answered, by their first words. */
  validErrorKinds: Record<string, number>;
  /** Wall time per category, calls and checks included. */
  msByCategory: Record<string, number>;
  /** The slowest answer, to tell a slow path from a busy machine. */
  slowest?: string;
}

export function newStats(): RunStats {
  return {
    calls: 0,
    byCategory: {},
    valid: 0,
    invalid: 0,
    validErrors: 0,
    requests: 0,
    maxMs: 0,
    totalMs: 0,
    maxErrorText: 0,
    validErrorKinds: {},
    msByCategory: {},
  };
}

export function record(stats: RunStats, observation: Observation): void {
  stats.calls += 1;
  stats.byCategory[observation.call.category] = (stats.byCategory[observation.call.category] ?? 0) + 1;
  if (observation.verdict.valid) {
    stats.valid += 1;
    if (observation.result.isError) {
      stats.validErrors += 1;
      const kind = textOf(observation.result)
        .replace(/[("].*$/s, "")
        .slice(0, 60)
        .trim();
      stats.validErrorKinds[kind] = (stats.validErrorKinds[kind] ?? 0) + 1;
    }
  } else {
    stats.invalid += 1;
    stats.maxErrorText = Math.max(stats.maxErrorText, textOf(observation.result).length);
  }
  stats.requests += observation.requests;
  if (observation.elapsedMs > stats.maxMs) {
    stats.maxMs = observation.elapsedMs;
    const text = textOf(observation.result);
    stats.slowest = `${observation.call.category}, ${observation.requests} requests: ${preview(observation.call.args).slice(0, 160)} => ${text.slice(0, 120)}`;
  }
  stats.totalMs += observation.elapsedMs;
}

export function describeStats(tool: ToolName, stats: RunStats): string {
  const list = (counts: Record<string, number>, digits = 0) =>
    Object.entries(counts)
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => `${name} ${count.toFixed(digits)}`)
      .join(", ");
  return [
    `${tool}: ${stats.calls} calls (${list(stats.byCategory)})`,
    `${stats.valid} valid, ${stats.validErrors} of them answered with a tool error (${list(stats.validErrorKinds)})`,
    `${stats.invalid} invalid; ${stats.requests} QStash requests in all`,
    `slowest answer ${stats.maxMs.toFixed(1)} ms (${stats.slowest ?? "none"}), mean ${(stats.totalMs / Math.max(1, stats.calls)).toFixed(2)} ms`,
    `ms per category (generation, oracle, call and checks): ${list(stats.msByCategory)}`,
    `longest error text ${stats.maxErrorText} chars`,
  ].join("\n  ");
}

export type CallTool = (tool: ToolName, args: Args) => Promise<CallToolResult>;

/** Sends one generated call and measures it; throws only if the call itself rejects. */
export async function observe(
  callTool: CallTool,
  tool: ToolName,
  call: GeneratedCall,
  verdict: Verdict,
  requestCount: () => number,
): Promise<Observation> {
  const started = performance.now();
  let result: CallToolResult;
  try {
    result = await callTool(tool, call.args);
  } catch (error) {
    throw new Error(
      `the call was rejected instead of answered: ${(error as Error).message}\ntool: ${tool} (${call.category})\nargs: ${preview(call.args)}`,
    );
  }
  const elapsedMs = performance.now() - started;
  return { tool, call, verdict, result, elapsedMs, requests: requestCount() };
}
/**
 * Keeps a valid call cheap: resumes page at most twice (the default is ten), so thousands of
 * them still run in seconds against the emulator.
 */
export function boundValidCall(tool: ToolName, call: GeneratedCall): GeneratedCall {
  // maxPages bounds what a valid call does; the callback and inspect tools have no pages to bound.
  if (
    tool === "dlq_list" ||
    tool === "dlq_retry_failure_callback" ||
    tool === "dlq_inspect" ||
    tool.startsWith("flow_control_") ||
    call.args.maxPages !== undefined
  ) {
    return call;
  }
  return { ...call, args: own({ ...call.args }, "maxPages", 2) };
}

export interface PropertyRun {
  tool: ToolName;
  runs: number;
  seeds: Seeds;
  /** Whether the arguments travel as JSON (stdio) or as objects (in memory). */
  overJson: boolean;
  callTool: CallTool;
  emulator: Pick<Emulator, "requests" | "clearRequests" | "store">;
  /** What to load when valid resumes have drained the DLQ. */
  refill: readonly DlqMessage[];
  /** fast-check seed, to replay a reported failure. */
  seed?: number;
}

/** Below this many entries the emulator is refilled, so valid resumes keep finding work. */
const REFILL_BELOW = 40;

/** Drives `runs` generated calls through one tool, checking every answer; returns what it saw. */
export async function runHostileProperty(run: PropertyRun): Promise<RunStats> {
  const { tool, emulator } = run;
  const stats = newStats();
  let lap = performance.now();
  await fc.assert(
    fc.asyncProperty(callArbitrary(tool, run.seeds), async (generated) => {
      let call = generated;
      let verdict = judge(tool, call.args, run.overJson);
      if (verdict.valid) {
        call = boundValidCall(tool, generated);
        verdict = judge(tool, call.args, run.overJson);
        // The store never changes a message it holds, so a refill can share these objects
        // instead of regenerating or cloning them, which would otherwise dominate the run.
        if (emulator.store.size < REFILL_BELOW) emulator.store.load(run.refill);
      }
      emulator.clearRequests();
      const observation = await observe(run.callTool, tool, call, verdict, () => emulator.requests.length);
      record(stats, observation);
      checkObservation(observation);
      const now = performance.now();
      stats.msByCategory[call.category] = (stats.msByCategory[call.category] ?? 0) + now - lap;
      lap = now;
    }),
    { numRuns: run.runs, ...(run.seed === undefined ? {} : { seed: run.seed }) },
  );
  return stats;
}

export interface InMemoryFixture {
  client: Client;
  emulator: Emulator;
  call: CallTool;
  close: () => Promise<void>;
}

/**
 * A real server from createServer, reached through the SDK's in-memory transport, its QStash
 * client pointed at a real emulator on an ephemeral loopback port.
 */
export async function startInMemory(): Promise<InMemoryFixture> {
  const emulator = await startEmulator({ token: TEST_TOKEN, ...SEED_OPTIONS });
  const served = await serveInMemory({
    qstashUrl: emulator.url,
    name: "hostile-input",
    timeoutMs: CALL_BOUND_MS,
  });
  return {
    client: served.client,
    emulator,
    call: served.call,
    close: async () => {
      await served.close();
      await emulator.close();
    },
  };
}
