/**
 * Hostile values for tool arguments: prototype keys, hostile unicode, special numbers, junk of
 * every shape, nesting far past any argument, and payloads far past every limit. Shared by every
 * tool's argument generator (test/tools/<tool>/input.arbitrary.ts).
 */
import fc from "fast-check";
import { LIMITS } from "../../src/args/limits.js";

export type Args = Record<string, unknown>;

/** Sets a member as an own, enumerable property, even when its name is "__proto__". */
export function own<T extends object>(target: T, key: string, value: unknown): T {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

export function objectOf(entries: readonly (readonly [string, unknown])[]): Args {
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
export const nonEmptyWellFormed = fc.string({
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

export const junkKey = fc.oneof(
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
