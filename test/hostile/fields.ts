/**
 * The argument vocabulary tools share, as generators: each slot's valid values and its near
 * misses (filter, where, paging, cursor, dlqIds, flowControl, retries, label, dates), and whole
 * objects built from a table of slots, valid or with one slot broken. What each tool takes is in
 * its own folder (test/tools/<tool>/input.arbitrary.ts), as a ToolInputs.
 */
import fc from "fast-check";
import { LIMITS } from "../../src/args/limits.js";
import { SEED_LABELS, SEED_WORKFLOW_URLS } from "../../src/emulator/index.js";
import { FAILURE_FUNCTION_STATES } from "../../src/wire/types.js";
import { type Args, junk, junkKey, nonEmptyWellFormed, objectOf, own, PROTOTYPE_KEYS } from "./values.js";

export interface Seeds {
  /** Ids that are in the emulator's DLQ (after a reset). */
  dlqIds: readonly string[];
  now: number;
}

export interface Field {
  valid: fc.Arbitrary<unknown>;
  /** Wrong in a way a caller plausibly gets wrong: off by one, wrong unit, wrong shape. */
  nearMiss: fc.Arbitrary<unknown>;
}

/** The slots of a tool's argument object, by member name. */
export type Fields = Record<string, Field>;

/**
 * One tool's argument generator. From it the engine (test/hostile/calls.ts) draws valid calls,
 * near misses, wrong types, prototype keys, huge payloads and deep nesting.
 */
export interface ToolInputs {
  /** The argument object's slots (and for the action tools, their selection modes). */
  fields(seeds: Seeds): Fields;
  /** Whole valid argument objects; by default any subset of the fields, each valid. */
  valid?(fields: Fields): fc.Arbitrary<Args>;
  /** Near misses beyond one broken slot: mistakes only this tool's arguments allow. */
  mistakes?(fields: Fields): fc.Arbitrary<Args>;
  /**
   * Whether dlqIds takes lists up to the per-call limit, so id lists far past it are sent on
   * their own; otherwise one goes in the cursor.
   */
  hugeIdLists?: boolean;
  /**
   * Whether a valid call without maxPages gets maxPages 2: a resume pages up to ten times by
   * default, and thousands of them must still run in seconds against the emulator.
   */
  boundPages?: boolean;
  /**
   * Where a filter and a flowControl carrying prototype keys go (by default filter and
   * flowControl); a null flowControl sends the key alone at the top level instead.
   */
  prototypeSlots?: { filter: string; flowControl: string | null };
}

export const booleanField: Field = {
  valid: fc.boolean(),
  nearMiss: fc.constantFrom("true", "false", 1, 0, "yes", null, [], {}, [true]),
};

export const countField = (max: number): Field => ({
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
export const maxPagesField = (max: number): Field => ({
  valid: fc.integer({ min: 1, max }),
  nearMiss: fc.constantFrom(0, -1, LIMITS.maxPages + 1, 2.5, Number.NaN, "1", null, true),
});

/** Selection by what QStash cannot filter on: statuses, body text, the step's URL. */
export const whereField: Field = {
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

export const cursorField: Field = {
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

export const retriesField: Field = {
  valid: fc.oneof(fc.integer({ min: 0, max: LIMITS.retries }), fc.constant(-0)),
  nearMiss: fc.constantFrom(-1, LIMITS.retries + 1, 0.5, "3", null, Number.NaN, Number.NEGATIVE_INFINITY),
};

const flowControlKey = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);

/** QStash takes a flow-control period from one second to one week. */
export const PERIOD_MAX_SECONDS = 604_800;
export const PERIOD_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

export const periodValue = fc.oneof(
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

export const labelField: Field = {
  valid: fc.constantFrom("incident-4711", "redrive.2026-12-02", "a_b"),
  nearMiss: fc.constantFrom("", "two words", "a,b", 5, null, ["incident"], "x".repeat(257)),
};

export const flowControlField: Field = {
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

function filterFields(now: number): Fields {
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
export function validRecord(fields: Fields, minKeys: number): fc.Arbitrary<Args> {
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
export function breakOne(fields: Fields, base: Args): fc.Arbitrary<Args> {
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

export function filterArbitraries(now: number) {
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

export function dlqIdsField(seeds: Seeds, maxLength = 60): Field {
  const idValue = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...seeds.dlqIds) },
    { weight: 1, arbitrary: nonEmptyWellFormed.filter((text) => text.trim().length > 0) },
  );
  return { valid: fc.array(idValue, { minLength: 1, maxLength }), nearMiss: dlqIdsNearMiss };
}

/** filter as a slot: any valid filter; wrong as a whole, or with one of its fields broken. */
export function filterField(seeds: Seeds): Field {
  const filter = filterArbitraries(seeds.now);
  return { valid: filter.valid, nearMiss: filter.whole };
}
