/**
 * The fault matrix's cases and the ground-truth checks every case must pass. The emulator is the
 * judge: what it resumed is compared with what each tool result reported or flagged.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import type { Fault, FaultKind, FaultRequest, ResumedRecord } from "../../src/emulator/index.js";
import { textChars } from "../../src/mcp/results.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { type Fixture, type ResumeStructured, startFixture, textOf } from "../support/harness.js";

/** Every result's text, and its first block, at most (the server's defaults). */
const RESULT_BOUND = 40_000;
const SUMMARY_BOUND = 1_500;
/** QStash resumes at most this many runs per request: one lost page is at most this many runs. */
const MAX_PAGE_RUNS = 50;
/** Resumed runs fail again this often and re-enter the DLQ, where no continuation may touch them. */
const REFAIL_SHARE = 0.5;

export const RESUME_PATH = "/v2/workflows/dlq/resume";
export const onResume = (request: FaultRequest): boolean =>
  request.method === "POST" && request.path === RESUME_PATH;

/** Low enough that a faulted page costs one short backoff, high enough that a lone fault is survived. */
export const MAX_ATTEMPTS = 2;
/** Per-request timeout given to the server, in seconds; the "slow" fault outlasts it. */
export const TIMEOUT_SECONDS = 1;
export const SLOW_DELAY_MS = 2_000;
/** No call may take longer than this; far below the server's deadline, so a hang fails fast. */
export const CALL_BOUND_MS = 15_000;

export const SERVER_ARGS = [
  // Results with more runs than this keep their report in a session resource.
  "--inline-runs",
  "30",
  "--timeout",
  String(TIMEOUT_SECONDS),
  "--deadline",
  "20",
  "--max-attempts",
  String(MAX_ATTEMPTS),
];

// ---- the DLQ every case starts from ----

const ENTRIES = 150;
export const FILTER_LABEL = "payments";

function matrixMessage(index: number): DlqMessage {
  const n = String(index).padStart(4, "0");
  return {
    dlqId: `dlq_matrix${n}`,
    workflowRunId: `wfr_matrix${n}`,
    workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
    workflowCreatedAt: FIXED_NOW - 3_600_000 + index,
    url: "https://api.acme-shop.example/api/workflows/orders",
    method: "POST",
    header: { "Content-Type": ["application/json"] },
    body: `{"orderId":"ord_${n}"}`,
    maxRetries: 3,
    createdAt: FIXED_NOW - 600_000 + index * 1_000,
    callerIP: "203.0.113.10",
    // Two in five match the filter, spread over the whole DLQ so pages skip entries between matches.
    label: index % 5 === 1 || index % 5 === 3 ? FILTER_LABEL : "checkout",
    responseStatus: 500,
    responseBody: '{"error":"Internal Server Error"}',
  };
}

export const MESSAGES: readonly DlqMessage[] = Array.from({ length: ENTRIES }, (_, i) => matrixMessage(i));

/** An id list in an order unlike the DLQ's, leaving some entries out. */
const ID_LIST = MESSAGES.filter((_, index) => index % 10 !== 3)
  .map((message) => message.dlqId)
  .reverse();

// ---- modes ----

export type ModeName = "filter" | "all" | "ids";

export interface Mode {
  name: ModeName;
  tool: "dlq_resume" | "dlq_resume_all";
  args: Record<string, unknown>;
  /** dlqIds of the entries this call is meant to resume. */
  selected: ReadonlySet<string>;
  /** Runs per page, in order: page k of a case is the k-th resume request. */
  pageSizes: readonly number[];
  /** Ids mode: the dlqIds sent with each page. */
  batches?: readonly (readonly string[])[];
}

const filterSelected = MESSAGES.filter((message) => message.label === FILTER_LABEL).map((m) => m.dlqId);

export const MODES: Record<ModeName, Mode> = {
  filter: {
    name: "filter",
    tool: "dlq_resume",
    args: { filter: { label: FILTER_LABEL }, count: 20, maxPages: 10 },
    selected: new Set(filterSelected),
    pageSizes: [20, 20, 20],
  },
  all: {
    name: "all",
    tool: "dlq_resume_all",
    args: { count: 50, maxPages: 10 },
    selected: new Set(MESSAGES.map((message) => message.dlqId)),
    pageSizes: [50, 50, 50],
  },
  ids: {
    name: "ids",
    tool: "dlq_resume",
    args: { dlqIds: ID_LIST, maxPages: 10 },
    selected: new Set(ID_LIST),
    pageSizes: [50, 50, ID_LIST.length - 100],
    batches: [ID_LIST.slice(0, 50), ID_LIST.slice(50, 100), ID_LIST.slice(100)],
  },
};

// ---- faults ----

export interface Scenario {
  name: string;
  kind: FaultKind;
  /** Extra fault settings, computed when the fault is injected. */
  options?: (nowMs: number) => Partial<Fault>;
  /** Whether the runner retries the failure in id mode; false when it must stop at once. */
  retried: boolean;
  /**
   * Whether the client cannot tell if the server processed the request. A bulk request by cursor
   * that fails like this is never repeated: the call stops there and says what may be unreported.
   */
  ambiguous: boolean;
  /** Whether the server did the work before the answer was lost or garbled. */
  processed: boolean;
  /** What a call that gives up on this fault names as the error kind. */
  errorKind: string;
}

const shortReset = (nowMs: number) => ({ resetAt: nowMs / 1000 + 0.4 });

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "429-burst",
    kind: "429-burst",
    options: shortReset,
    ambiguous: false,
    retried: true,
    processed: false,
    errorKind: "rateLimited",
  },
  {
    name: "429-daily",
    kind: "429-daily",
    options: shortReset,
    ambiguous: false,
    retried: true,
    processed: false,
    errorKind: "rateLimited",
  },
  {
    name: "429-daily, reset hours away",
    kind: "429-daily",
    options: (nowMs) => ({ resetAt: Math.ceil(nowMs / 1000) + 6 * 3600 }),
    ambiguous: false,
    retried: false,
    processed: false,
    errorKind: "rateLimited",
  },
  {
    name: "429-retry-after",
    kind: "429-retry-after",
    ambiguous: false,
    retried: true,
    processed: false,
    errorKind: "rateLimited",
  },
  { name: "500", kind: "500", ambiguous: true, retried: true, processed: false, errorKind: "server" },
  { name: "502", kind: "502", ambiguous: true, retried: true, processed: false, errorKind: "server" },
  { name: "503", kind: "503", ambiguous: true, retried: true, processed: false, errorKind: "server" },
  { name: "504", kind: "504", ambiguous: true, retried: true, processed: false, errorKind: "server" },
  {
    name: "reset-before",
    kind: "reset-before",
    ambiguous: true,
    retried: true,
    processed: false,
    errorKind: "network",
  },
  {
    name: "reset-after",
    kind: "reset-after",
    ambiguous: true,
    retried: true,
    processed: true,
    errorKind: "network",
  },
  {
    name: "slow",
    kind: "slow",
    options: () => ({ delayMs: SLOW_DELAY_MS }),
    ambiguous: true,
    retried: true,
    processed: true,
    errorKind: "timeout",
  },
  {
    name: "malformed-json",
    kind: "malformed-json",
    ambiguous: true,
    retried: true,
    processed: true,
    errorKind: "protocol",
  },
  {
    name: "wrong-shape",
    kind: "wrong-shape",
    ambiguous: true,
    retried: true,
    processed: true,
    errorKind: "protocol",
  },
  {
    name: "huge-body 50 MB",
    kind: "huge-body",
    options: () => ({ bytes: 50 * 1024 * 1024 }),
    ambiguous: true,
    retried: true,
    processed: true,
    errorKind: "protocol",
  },
  {
    name: "repeat-cursor",
    kind: "repeat-cursor",
    ambiguous: false,
    retried: false,
    processed: true,
    errorKind: "protocol",
  },
];

export type Position = "first" | "middle" | "last";
export const POSITIONS: readonly Position[] = ["first", "middle", "last"];
const PAGE_INDEX: Record<Position, number> = { first: 0, middle: 1, last: 2 };

/** once: one request fails and its retry passes. sticky: every attempt at the page fails. */
export type Persistence = "once" | "sticky";
export const PERSISTENCES: readonly Persistence[] = ["once", "sticky"];

export interface MatrixCase {
  name: string;
  mode: ModeName;
  scenario: Scenario;
  position: Position;
  persistence: Persistence;
}

export function matrixCases(mode: ModeName): MatrixCase[] {
  return SCENARIOS.flatMap((scenario) =>
    POSITIONS.flatMap((position) =>
      PERSISTENCES.map((persistence) => ({
        name: `${scenario.name} on the ${position} page, ${persistence}`,
        mode,
        scenario,
        position,
        persistence,
      })),
    ),
  );
}

interface Expected {
  stopReason: "done" | "error";
  errorKind?: string;
  /** Pages the result counts. */
  pages?: number;
  message?: RegExp;
}

function expectedOutcome(c: MatrixCase): Expected {
  const page = PAGE_INDEX[c.position];
  if (c.scenario.kind === "repeat-cursor") {
    // Id batches ignore the server's cursor; on a first page without a cursor there is nothing to repeat.
    if (c.mode === "ids") return { stopReason: "done" };
    if (page === 0 && c.persistence === "once") return { stopReason: "done" };
    // The repeating page still counts, with its runs; a sticky fault repeats on the page after the first.
    const stuck = page === 0 ? 1 : page;
    return { stopReason: "error", errorKind: "protocol", pages: stuck + 1, message: /already returned/ };
  }
  const byCursor = c.mode !== "ids";
  if (!c.scenario.retried || c.persistence === "sticky" || (byCursor && c.scenario.ambiguous)) {
    return { stopReason: "error", errorKind: c.scenario.errorKind, pages: page };
  }
  return { stopReason: "done" };
}

// ---- running a case ----

/** Fixtures handed out to concurrent cases, one case at a time each. */
export class FixturePool {
  private readonly idle: Fixture[];
  private readonly waiting: ((fixture: Fixture) => void)[] = [];

  private constructor(readonly fixtures: Fixture[]) {
    this.idle = [...fixtures];
  }

  static async start(size: number): Promise<FixturePool> {
    const fixtures = await Promise.all(
      Array.from({ length: size }, () =>
        startFixture(
          { messages: [...MESSAGES], refail: { share: REFAIL_SHARE, seed: 3 } },
          { args: SERVER_ARGS },
        ),
      ),
    );
    return new FixturePool(fixtures);
  }

  async use<T>(run: (fixture: Fixture) => Promise<T>): Promise<T> {
    const fixture = this.idle.pop() ?? (await new Promise<Fixture>((resolve) => this.waiting.push(resolve)));
    try {
      return await run(fixture);
    } finally {
      const next = this.waiting.shift();
      if (next) next(fixture);
      else this.idle.push(fixture);
    }
  }

  async close(): Promise<void> {
    const outcomes = await Promise.allSettled(this.fixtures.map((fixture) => fixture.close()));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

/**
 * Cursor pages go one after another, so the k-th resume request is page k. Id batches may go out
 * together, in any order, so a batch is picked out by the first id it carries.
 */
function target(mode: Mode, page: number): Pick<Fault, "match" | "after"> {
  const firstId = mode.batches?.[page]?.[0];
  if (firstId === undefined) return { match: onResume, after: page };
  return {
    match: (request) =>
      onResume(request) && request.query.some(([key, value]) => key === "dlqIds" && value === firstId),
  };
}

interface Timed {
  result: CallToolResult;
  ms: number;
}

async function boundedCall(fixture: Fixture, tool: string, args: Record<string, unknown>): Promise<Timed> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${tool} did not answer within ${CALL_BOUND_MS} ms`)),
      CALL_BOUND_MS,
    );
  });
  try {
    const result = await Promise.race([fixture.call(tool, args), hang]);
    return { result, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** What a call left behind for the next one. */
interface Accounted {
  data?: ResumeStructured;
  /** The cursor to continue with; undefined means "same arguments, no cursor". */
  cursor?: string;
}

/**
 * Checks one call's result against what the emulator did during it: nothing resumed twice, no
 * phantom runs, every resumed run reported or flagged, and a cursor whenever work remains.
 */
async function account(
  fixture: Fixture,
  mode: Mode,
  call: { result: CallToolResult; cursor?: string },
  resumedBefore: number,
): Promise<Accounted> {
  const { result } = call;
  const { emulator } = fixture;
  const all = emulator.resumed;
  const during = all.slice(resumedBefore);
  const dlqIds = all.map((record) => record.dlqId);
  expect(new Set(dlqIds).size, "a run was resumed twice").toBe(dlqIds.length);
  const outside = during.filter((record) => !mode.selected.has(record.dlqId)).map((r) => r.dlqId);
  expect(outside, "runs outside the selection were resumed").toEqual([]);
  const remaining = [...mode.selected].filter((id) => emulator.store.has(id));

  if (result.isError) {
    const text = textOf(result);
    // A tool error promises that this call did nothing.
    expect(text).toMatch(/Nothing was resumed/);
    expect(
      during.map((record) => record.dlqId),
      "a tool error hid resumed runs",
    ).toEqual([]);
    return { cursor: /cursor "([^"]+)"/.exec(text)?.[1] };
  }

  // Results fit an agent's context whatever went wrong.
  expect(textChars(result)).toBeLessThanOrEqual(RESULT_BOUND);
  expect((result.content[0] as { text: string }).text.length).toBeLessThanOrEqual(SUMMARY_BOUND);

  const data = result.structuredContent as unknown as ResumeStructured;
  // Beyond the inline cap the whole report is a resource of the session: it counts as reported
  // only if it can be read back.
  const whole = data.workflowRunsTruncated ? await readReport(fixture, data.workflowRunsResource) : data;
  const reported = whole.workflowRuns.map((run) => run.workflowRunId);
  expect(new Set(reported).size, "a run was reported twice").toBe(reported.length);
  expect(data.resumed).toBe(reported.length);
  const resumedNow = new Set(during.map((record) => record.workflowRunId));
  expect(
    reported.filter((id) => !resumedNow.has(id)),
    "runs reported that this call did not resume",
  ).toEqual([]);
  const everResumed = new Set(dlqIds);
  expect(
    (whole.probablyResumed ?? []).filter((id) => !everResumed.has(id)),
    "ids reported as probably resumed that were never resumed",
  ).toEqual([]);
  expect(
    (whole.notFound ?? []).filter((id) => emulator.store.has(id)),
    "ids reported as not found that are in the DLQ",
  ).toEqual([]);
  const reportedSet = new Set(reported);
  const probably = new Set(whole.probablyResumed ?? []);
  const silent = during.filter(
    (record) => !reportedSet.has(record.workflowRunId) && !probably.has(record.dlqId),
  );
  if (!data.unreportedPossible) {
    expect(
      silent.map((record) => record.dlqId),
      "runs resumed without being reported or flagged",
    ).toEqual([]);
  } else {
    // At most one page of a call goes unreported, and the result bounds it.
    expect(silent.length, "more runs unreported than the result admits").toBeLessThanOrEqual(
      data.unreportedAtMost ?? 0,
    );
    expect(data.unreportedAtMost ?? 0).toBeLessThanOrEqual(MAX_PAGE_RUNS);
  }
  if (remaining.length > 0) {
    expect(data.complete, "complete while selected entries remain").toBe(false);
    expect(data.cursor, `no cursor while ${remaining.length} selected entries remain`).toBeTruthy();
  }
  return { data, cursor: data.cursor };
}

/** A cursor continues its own tool and selection only: anywhere else it is refused, and nothing is sent. */
async function refusedElsewhere(fixture: Fixture, mode: Mode, cursor: string): Promise<void> {
  const elsewhere: [string, Record<string, unknown>][] = [
    ["dlq_list", { cursor }],
    mode.name === "filter"
      ? ["dlq_resume", { ...mode.args, filter: { label: "checkout" }, cursor }]
      : mode.name === "ids"
        ? ["dlq_resume", { dlqIds: [MESSAGES[0]?.dlqId], cursor }]
        : ["dlq_resume", { filter: { label: FILTER_LABEL }, cursor }],
  ];
  for (const [tool, args] of elsewhere) {
    const requests = fixture.emulator.requests.length;
    const started = Date.now();
    const result = await fixture.call(tool, args);
    expect(result.isError, `${tool} took a cursor that belongs elsewhere`).toBe(true);
    expect(textOf(result)).toMatch(/cursor/);
    // A slow answer to an earlier case's request may be logged now; only what arrived counts.
    const extra = fixture.emulator.requests
      .slice(requests)
      .filter((request) => request.at >= started)
      .map((request) => `${request.method} ${request.path} ${request.status} ${request.fault ?? ""}`);
    expect(extra, `${tool} with a foreign cursor sent requests`).toEqual([]);
  }
}

async function readReport(
  fixture: Fixture,
  uri: string | undefined,
): Promise<Pick<ResumeStructured, "workflowRuns" | "probablyResumed" | "notFound">> {
  expect(uri, "a cut-short result without its report").toBeTruthy();
  const read = await fixture.client.readResource({ uri: uri as string });
  return JSON.parse((read.contents[0] as { text: string }).text);
}

export interface CaseReport {
  name: string;
  callsMs: number[];
}

export async function runMatrixCase(fixture: Fixture, c: MatrixCase): Promise<CaseReport> {
  const { emulator } = fixture;
  const mode = MODES[c.mode];
  emulator.clearFaults();
  emulator.reset({ messages: [...MESSAGES] });
  emulator.clearRequests();
  const journalBefore = fixture.journalLines().length;
  const stderrBefore = fixture.stderr().length;

  emulator.inject({
    kind: c.scenario.kind,
    ...c.scenario.options?.(Date.now()),
    ...target(mode, PAGE_INDEX[c.position]),
    times: c.persistence === "sticky" ? MAX_ATTEMPTS : 1,
  });
  const first = await boundedCall(fixture, mode.tool, mode.args);
  emulator.clearFaults();
  const callsMs = [first.ms];
  const firstView = await account(fixture, mode, { result: first.result }, 0);
  checkExpected(c, mode, first.result, firstView.data, emulator.resumed);
  if (firstView.cursor) await refusedElsewhere(fixture, mode, firstView.cursor);
  if (c.scenario.name.includes("hours away")) {
    // Waiting for a reset hours away would outlive the deadline: the call gives up at once instead.
    expect(first.ms).toBeLessThan(3_000);
  }
  if (c.scenario.kind === "huge-body") {
    // The cap refused the body while reading it; 50 MB were never held.
    // Said on stderr when the request was retried, in the result when the call stopped on it.
    expect(fixture.stderr().slice(stderrBefore) + textOf(first.result)).toMatch(
      /larger than 16 MB; it was not read/,
    );
  }

  // Continue as a client would, faults gone: with the cursor, or with the same arguments when there
  // is none. One call must finish the job.
  let calls = 1;
  if (!firstView.data?.complete) {
    const resumedBefore = emulator.resumed.length;
    const cursor = firstView.cursor;
    const next = await boundedCall(
      fixture,
      mode.tool,
      cursor === undefined ? mode.args : { ...mode.args, cursor },
    );
    callsMs.push(next.ms);
    calls++;
    const view = await account(fixture, mode, { result: next.result, cursor }, resumedBefore);
    if (next.result.isError) {
      // Only an id list whose remaining ids the first call's lost answers had resumed ends like this.
      expect(mode.batches).toBeDefined();
      expect(textOf(next.result)).toMatch(/not in the DLQ/);
    } else {
      expect(view.data?.stopReason, "the continuation did not finish the job").toBe("done");
    }
  }

  const left = [...mode.selected].filter((id) => emulator.store.has(id));
  expect(left, "selected entries left in the DLQ after continuing").toEqual([]);
  expect(emulator.resumed).toHaveLength(mode.selected.size);
  for (const ms of callsMs) expect(ms).toBeLessThan(CALL_BOUND_MS);

  // Still serving, and the journal agrees with the emulator.
  const tools = await fixture.client.listTools();
  expect(tools.tools.map((tool) => tool.name)).toContain(mode.tool);
  const lines = fixture.journalLines().slice(journalBefore);
  expect(lines.filter((line) => line.type === "outcome")).toHaveLength(calls);
  const resumedRunIds = new Set(emulator.resumed.map((record) => record.workflowRunId));
  const journaled = lines.flatMap((line) =>
    line.type === "request" ? ((line.runIds as string[]) ?? []) : [],
  );
  expect(
    journaled.filter((id) => !resumedRunIds.has(id)),
    "journaled runs the emulator never resumed",
  ).toEqual([]);
  return { name: c.name, callsMs };
}

function checkExpected(
  c: MatrixCase,
  mode: Mode,
  result: CallToolResult,
  data: ResumeStructured | undefined,
  resumed: readonly ResumedRecord[],
): void {
  const expected = expectedOutcome(c);
  const page = PAGE_INDEX[c.position];
  if (!data) {
    // Only a call that stopped on its very first page, having done nothing, is a tool error.
    expect(expected.stopReason).toBe("error");
    expect(page).toBe(0);
    expect(c.scenario.processed).toBe(false);
    return;
  }
  expect(data.stopReason).toBe(expected.stopReason);
  if (expected.errorKind !== undefined) expect(data.error?.kind).toBe(expected.errorKind);
  if (expected.message) expect(data.error?.message).toMatch(expected.message);
  if (expected.pages !== undefined) {
    const sizes = mode.pageSizes;
    const before = sizes.slice(0, expected.pages).reduce((sum, size) => sum + size, 0);
    if (mode.batches) {
      // Batches sent alongside the failed one may have finished too: they are reported, the failed one is not.
      // Resumed runs get new ids: the emulator's records say which came from the failed batch.
      const failedIds = new Set(mode.batches[page]);
      const failed = new Set(resumed.filter((r) => failedIds.has(r.dlqId)).map((r) => r.workflowRunId));
      expect(data.workflowRuns.filter((run) => failed.has(run.workflowRunId))).toEqual([]);
      expect(data.resumed).toBeGreaterThanOrEqual(before);
      expect(data.pages).toBeGreaterThanOrEqual(expected.pages);
    } else {
      expect(data.pages).toBe(expected.pages);
      expect(data.resumed).toBe(before);
    }
  }
  if (c.scenario.name.includes("hours away")) {
    expect(data.error?.retryAfterSeconds).toBeGreaterThan(3600);
  }
  if (expected.stopReason === "done" && c.scenario.processed && c.scenario.retried) {
    if (mode.batches) {
      // The retry of a batch whose answer was lost finds its ids gone: the lost attempt resumed them.
      expect(new Set(data.probablyResumed)).toEqual(new Set(mode.batches[page]));
    } else {
      expect(data.unreportedPossible).toBe(true);
    }
  }
  if (mode.name !== "ids" && c.scenario.ambiguous && expected.stopReason === "error") {
    // The lost page is not repeated: the result admits it, bounded by that page's size.
    expect(data.unreportedPossible).toBe(true);
    expect(data.unreportedAtMost).toBeGreaterThan(0);
  }
  if (c.scenario.errorKind === "rateLimited") expect(data.unreportedPossible).toBeUndefined();
  expect(textOf(result).length).toBeGreaterThan(0);
}
