/**
 * The oracle and the properties every answer must keep. The oracle is the tool's own zod schema
 * (its inputSchema in TOOLS) applied to the arguments exactly as the tool receives them: after the
 * transport (JSON turns NaN into null and drops undefined) and after the SDK's request schema,
 * which silently drops a top-level "__proto__" member before any tool code runs.
 */
import { CallToolRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { LIMITS } from "../../src/args/limits.js";
import { TOOLS, type ToolName } from "../../src/tools/index.js";
import type { GeneratedCall } from "./calls.js";
import { COMMA_SEPARATED_FILTER_FIELDS, PERIOD_MAX_SECONDS, PERIOD_UNIT_SECONDS } from "./fields.js";
import type { Args } from "./values.js";

/** Every answer, valid call or not, must come within this. */
export const CALL_BOUND_MS = 5_000;
/** A tool error for an ordinary-sized mistake must stay readable. */
export const NORMAL_ERROR_TEXT_LIMIT = 2_048;

const INPUT_SCHEMAS = new Map<ToolName, z.ZodType>(TOOLS.map((tool) => [tool.name, tool.inputSchema]));

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
  const parsed = (INPUT_SCHEMAS.get(tool) as z.ZodType).safeParse(asReceived(tool, args, overJson));
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

export function preview(args: Args): string {
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
