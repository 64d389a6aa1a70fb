/**
 * Wire contract: for the same logical call, this server puts the same requests on the wire as
 * the official @upstash/workflow client — except that id lists longer than 50 are split, and that
 * a filter or all operation first reads QStash's clock and bounds every page by it (`toDate`), and
 * that a call with flowControl first checks whether live traffic uses the key. A
 * delete by filter or all is one deliberate departure: QStash's answer to it only counts what
 * it removed, so this server lists the entries and deletes them by id, and its report names each;
 * the entries removed are the same. A filter on a run id is the other: QStash's bulk endpoints
 * may match it as a prefix, so this server lists the run's entries and acts on them by id; the
 * same runs go.
 */
import { Client as WorkflowClient } from "@upstash/workflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../../src/emulator/index.js";
import { SEED_OPTIONS, seededMessages } from "../support/data.js";
import { type Fixture, startFixture, TEST_TOKEN } from "../support/harness.js";

const messages = seededMessages();
const ids = messages.map((message) => message.dlqId);
const sample = messages[3] as (typeof messages)[number];
const HEADERS_COMPARED = [
  "authorization",
  "upstash-retries",
  "upstash-flow-control-key",
  "upstash-flow-control-value",
];

type Official = InstanceType<typeof WorkflowClient>;
interface Case {
  name: string;
  official: (client: Official) => Promise<unknown>;
  tool: string;
  args: Record<string, unknown>;
}

const from = Date.UTC(2026, 10, 28, 2, 0, 0);
const to = Date.UTC(2026, 10, 28, 9, 30, 0);

const cases: Case[] = [
  {
    name: "one id",
    official: (c) => c.dlq.resume(ids[0] as string),
    tool: "dlq_resume",
    args: { dlqIds: [ids[0]] },
  },
  {
    name: "many ids",
    official: (c) => c.dlq.resume(ids.slice(0, 7)),
    tool: "dlq_resume",
    args: { dlqIds: ids.slice(0, 7) },
  },
  {
    name: "exactly 50 ids",
    official: (c) => c.dlq.resume(ids.slice(0, 50)),
    tool: "dlq_resume",
    args: { dlqIds: ids.slice(0, 50) },
  },
  {
    name: "more than 50 ids",
    official: (c) => c.dlq.resume(ids.slice(0, 112)),
    tool: "dlq_resume",
    args: { dlqIds: ids.slice(0, 112) },
  },
  filterCase("workflowUrl", { workflowUrl: sample.workflowUrl }),
  filterCase("workflowCreatedAt", { workflowCreatedAt: sample.workflowCreatedAt }),
  filterCase("label", { label: sample.label ?? "payments" }),
  filterCase("callerIp", { callerIp: sample.callerIP }),
  // A filter that matches nothing sends no resume at all (the snapshot read shows it), so the
  // key is one the DLQ holds.
  filterCase("flowControlKey", {
    flowControlKey: messages.find((message) => message.flowControlKey)?.flowControlKey as string,
  }),
  filterCase("failureFunctionState", { failureFunctionState: "CALLBACK_FAIL" }),
  filterCase("several labels", { label: ["payments", "checkout"] }),
  {
    name: "dates: Date objects vs ISO strings",
    official: (c) => c.dlq.resume({ filter: { fromDate: new Date(from), toDate: new Date(to) } } as never),
    tool: "dlq_resume",
    args: { filter: { fromDate: new Date(from).toISOString(), toDate: new Date(to).toISOString() } },
  },
  filterCase("dates as milliseconds", { fromDate: from, toDate: to }),
  {
    name: "filter with count and cursor",
    official: async (c) => {
      const first = (await c.dlq.resume({ filter: { label: "payments" }, count: 3 } as never)) as {
        cursor?: string;
      };
      return c.dlq.resume({ filter: { label: "payments" }, count: 3, cursor: first.cursor } as never);
    },
    tool: "dlq_resume",
    args: { filter: { label: "payments" }, count: 3, maxPages: 2 },
  },
  {
    name: "all",
    official: (c) => c.dlq.resume({ all: true } as never),
    tool: "dlq_resume_all",
    args: { maxPages: 1 },
  },
  {
    name: "all with count",
    official: (c) => c.dlq.resume({ all: true, count: 20 } as never),
    tool: "dlq_resume_all",
    args: { count: 20, maxPages: 1 },
  },
  ...flowControlCases(),
  optionsCase("retries 0", { retries: 0 }),
  optionsCase("retries 5", { retries: 5 }),
  optionsCase("retries with flow control", { retries: 2, flowControl: { key: "fc.key_1", parallelism: 4 } }),
];

/**
 * Restart has resume's wire on its own endpoint: every resume case again, through
 * client.dlq.restart and dlq_restart (which takes all: true where resume has dlq_resume_all).
 */
function asRestart(resume: Case): Case {
  return {
    name: `restart: ${resume.name}`,
    official: (c) =>
      resume.official(
        new Proxy(c, {
          get: (target, key) => (key === "dlq" ? restartingDlq(target) : Reflect.get(target, key)),
        }),
      ),
    tool: "dlq_restart",
    args: resume.tool === "dlq_resume_all" ? { all: true, ...resume.args } : resume.args,
  };
}

function restartingDlq(client: Official): Official["dlq"] {
  return new Proxy(client.dlq, {
    get: (target, key) => (key === "resume" ? target.restart.bind(target) : Reflect.get(target, key)),
  });
}

cases.push(...cases.map(asRestart));

/** Delete by ids has the same wire as the official client's, split at 50 like resume's. */
for (const [name, chosen] of [
  ["one id", ids.slice(0, 1)],
  ["many ids", ids.slice(0, 7)],
  ["more than 50 ids", ids.slice(0, 112)],
] as const) {
  cases.push({
    name: `delete: ${name}`,
    official: (c) => c.dlq.delete(chosen.length === 1 ? (chosen[0] as string) : [...chosen]),
    tool: "dlq_delete",
    args: { dlqIds: [...chosen] },
  });
}

const failedCallback = messages.find(
  (message) => (message.failureFunctionState ?? message.failureCallbackInfo?.state) === "CALLBACK_FAIL",
) as (typeof messages)[number];
cases.push({
  name: "retry a failure callback",
  official: (c) => c.dlq.retryFailureFunction({ dlqId: failedCallback.dlqId }),
  tool: "dlq_retry_failure_callback",
  args: { dlqIds: [failedCallback.dlqId] },
});

function filterCase(name: string, filter: Record<string, unknown>): Case {
  return {
    name: `filter ${name}`,
    official: (c) => c.dlq.resume({ filter } as never),
    tool: "dlq_resume",
    args: { filter, maxPages: 1 },
  };
}

function optionsCase(name: string, options: Record<string, unknown>): Case {
  return {
    name,
    official: (c) => c.dlq.resume({ filter: { label: "payments" } } as never, options as never),
    tool: "dlq_resume",
    args: { filter: { label: "payments" }, maxPages: 1, ...options },
  };
}

function flowControlCases(): Case[] {
  const shapes: [string, Record<string, unknown>][] = [
    ["parallelism", { key: "payments-resume", parallelism: 5 }],
    ["rate", { key: "payments-resume", rate: 10 }],
    ["rate and period string", { key: "payments-resume", rate: 10, period: "1m" }],
    ["rate and numeric period", { key: "payments-resume", rate: 10, period: 30 }],
    ["parallelism, rate and period", { key: "payments-resume", parallelism: 2, rate: 100, period: "1h" }],
  ];
  return shapes.flatMap(([name, flowControl]) => [
    optionsCase(`flow control ${name} (filter)`, { flowControl }),
    {
      name: `flow control ${name} (ids)`,
      official: (c: Official) => c.dlq.resume(ids.slice(0, 3), { flowControl } as never),
      tool: "dlq_resume",
      args: { dlqIds: ids.slice(0, 3), flowControl },
    },
  ]);
}

interface WireRequest {
  method: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
}

function normalize(request: RecordedRequest): WireRequest {
  const headers: Record<string, string> = {};
  for (const name of HEADERS_COMPARED) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  // Key order is the caller's object order in both clients; repeated keys keep their order.
  const query = [...request.query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { method: request.method, path: request.path, query, headers };
}

/**
 * The official client sends one request for any id list; ours splits it into ≤ 50-id requests,
 * sent concurrently, so they are put back in list order before comparing.
 */
function mergeIdBatches(requests: WireRequest[], expected: WireRequest[]): WireRequest[] {
  if (requests.length < 2 || !requests.every((request) => request.query.every(([key]) => key === "dlqIds"))) {
    return requests;
  }
  for (const request of requests) expect(request.query.length).toBeLessThanOrEqual(50);
  const [head] = requests as [WireRequest];
  for (const request of requests) expect({ ...request, query: [] }).toEqual({ ...head, query: [] });
  const order = (expected[0]?.query ?? []).map(([, id]) => id);
  const position = (request: WireRequest) => order.indexOf(request.query[0]?.[1] ?? "");
  const sorted = [...requests].sort((a, b) => position(a) - position(b));
  return [{ ...head, query: sorted.flatMap((request) => request.query) }];
}

/**
 * Takes out what the snapshot adds: the one listing (count 1, the same filter) that reads QStash's
 * clock before anything is resumed, and the `toDate` bound on pages where the official client sends
 * none. Every page carries the same bound.
 */
function withoutSnapshot(requests: WireRequest[], expected: WireRequest[]): WireRequest[] {
  const [first, ...rest] = requests;
  if (first?.method !== "GET" || expected[0]?.method !== "POST") return requests;
  expect(first.path).toBe("/v2/workflows/dlq");
  expect(first.query).toContainEqual(["count", "1"]);
  const bounds = new Set<string>();
  const pages = rest.map((request, index) => {
    const officialHasBound = expected[index]?.query.some(([key]) => key === "toDate");
    const bound = request.query.find(([key]) => key === "toDate")?.[1];
    expect(bound, "a page without the snapshot bound").toBeDefined();
    bounds.add(bound as string);
    return officialHasBound
      ? request
      : { ...request, query: request.query.filter(([key]) => key !== "toDate") };
  });
  expect(bounds.size).toBeLessThanOrEqual(1);
  return pages;
}

/**
 * Takes out the one listing a call with flowControl makes first, to see whether entries in the DLQ
 * ran under that key (live traffic's key, which a redrive would re-pace): a read the official
 * client does not make. With the redrive's label it reads a page, to find an entry without it.
 */
function withoutKeyCheck(requests: WireRequest[], args: Record<string, unknown>): WireRequest[] {
  const key = (args.flowControl as { key?: string } | undefined)?.key;
  if (key === undefined) return requests;
  const [first, ...rest] = requests;
  expect(first?.method).toBe("GET");
  expect(first?.query).toEqual(
    expect.arrayContaining([
      ["flowControlKey", key],
      ["count", args.label === undefined ? "1" : "100"],
    ]),
  );
  return rest;
}

describe("wire contract with @upstash/workflow", () => {
  let fixture: Fixture;
  let official: Official;
  beforeAll(async () => {
    fixture = await startFixture(SEED_OPTIONS);
    official = new WorkflowClient({ baseUrl: fixture.emulator.url, token: TEST_TOKEN });
  });
  afterAll(() => fixture.close());

  const record = async (action: () => Promise<unknown>) => {
    fixture.emulator.reset(SEED_OPTIONS);
    fixture.emulator.clearRequests();
    await action();
    return fixture.emulator.requests.map(normalize);
  };

  it.each(cases)("$name", async ({ official: officialCall, tool, args }) => {
    const expected = await record(() => officialCall(official));
    const actual = await record(async () => {
      const result = await fixture.call(tool, args);
      expect(result.isError).toBeFalsy();
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.every((request) => request.headers.authorization === `Bearer ${TEST_TOKEN}`)).toBe(true);
    expect(mergeIdBatches(withoutSnapshot(withoutKeyCheck(actual, args), expected), expected)).toEqual(
      expected,
    );
  });

  // A run id departs on purpose (see the top of this file): the same runs go, by id.
  it.each([
    ["resume", "dlq_resume"],
    ["restart", "dlq_restart"],
  ] as const)("%s by run id: the same runs go, acted on by id", async (action, tool) => {
    const filter = { workflowRunId: sample.workflowRunId as string };
    const runsBy = async (act: () => Promise<unknown>) => {
      fixture.emulator.reset(SEED_OPTIONS);
      fixture.emulator.clearRequests();
      await act();
      return fixture.emulator.resumed.map((record) => record.dlqId).sort();
    };
    const expected = await runsBy(() => official.dlq[action]({ filter } as never));
    expect(expected.length).toBeGreaterThan(0);
    const actual = await runsBy(async () => {
      const result = await fixture.call(tool, { filter });
      expect(result.isError).toBeFalsy();
    });
    expect(actual).toEqual(expected);
    const posts = fixture.emulator.requests.filter((request) => request.method === "POST");
    for (const request of posts) expect(request.query.every(([key]) => key === "dlqIds")).toBe(true);
    for (const request of fixture.emulator.requests.filter((r) => r.method === "GET")) {
      expect(request.query).toContainEqual(["workflowRunId", filter.workflowRunId]);
    }
  });

  // Delete by filter or all departs on purpose (see the top of this file): the same entries go.
  const removedBy = async (action: () => Promise<unknown>) => {
    fixture.emulator.reset(SEED_OPTIONS);
    fixture.emulator.clearRequests();
    const before = fixture.emulator.store.list().map((message) => message.dlqId);
    await action();
    const after = new Set(fixture.emulator.store.list().map((message) => message.dlqId));
    return before.filter((id) => !after.has(id));
  };

  it.each([
    ["a label", { filter: { label: "payments" } }, { filter: { label: "payments" } }],
    [
      "a state",
      { filter: { failureFunctionState: "CALLBACK_FAIL" } },
      { filter: { failureFunctionState: "CALLBACK_FAIL" } },
    ],
    ["all, one page", { all: true, count: 30 }, { all: true, count: 30, maxPages: 1 }],
  ] as const)("%s: the same entries go, each named, deleted by id", async (_, officialArgs, args) => {
    const expected = await removedBy(() => official.dlq.delete(officialArgs as never));
    expect(expected.length).toBeGreaterThan(0);
    let named: string[] = [];
    const actual = await removedBy(async () => {
      const result = await fixture.call("dlq_delete", args);
      expect(result.isError).toBeFalsy();
      named = (result.structuredContent as { deletedIds: string[] }).deletedIds;
    });
    expect(actual).toEqual(expected);
    expect([...named].sort()).toEqual([...expected].sort());
    const deletes = fixture.emulator.requests.filter((request) => request.method === "DELETE");
    for (const request of deletes) expect(request.query.every(([key]) => key === "dlqIds")).toBe(true);
    const filterKeys = Object.keys("filter" in officialArgs ? officialArgs.filter : {});
    for (const request of fixture.emulator.requests.filter((r) => r.method === "GET")) {
      for (const key of filterKeys) expect(request.query.some(([name]) => name === key)).toBe(true);
    }
  });
});
