import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { call, defined, message, NOW, TOKEN } from "./helpers.js";

const PAYMENTS = "https://api.acme-shop.example/api/workflows/payments";
const FULFILLMENT = "https://api.acme-shop.example/api/workflows/order-fulfillment";
const DIGEST = "https://api.acme-shop.example/api/workflows/email-digest";

const T = NOW - 3_600_000;

const fixtures = {
  pay1: message({
    workflowUrl: PAYMENTS,
    label: "payments",
    createdAt: T,
    callerIP: "203.0.113.10",
    flowControlKey: "payments-api",
    failureCallbackInfo: { state: "CALLBACK_FAIL" },
  }),
  pay2: message({
    workflowUrl: PAYMENTS,
    labels: ["checkout", "payments"],
    createdAt: T + 1000,
    callerIP: "198.51.100.7",
  }),
  // Same workflow URL with a suffix: exact matching must not pick it up.
  payV2: message({
    workflowUrl: `${PAYMENTS}-v2`,
    label: "payments",
    createdAt: T + 2000,
    callerIP: "203.0.113.10",
  }),
  ful1: message({
    workflowUrl: FULFILLMENT,
    label: "checkout",
    createdAt: T + 3000,
    callerIP: "192.0.2.15",
    flowControlKey: "fulfillment_partner",
    failureCallbackInfo: { state: "CALLBACK_SUCCESS" },
  }),
  ful2: message({
    workflowUrl: FULFILLMENT,
    createdAt: T + 4000,
    callerIP: "203.0.113.10",
    failureCallbackInfo: { state: "CALLBACK_INPROGRESS" },
  }),
  dig1: message({
    workflowUrl: DIGEST,
    label: "nightly-batch",
    createdAt: T + 5000,
    callerIP: "198.51.100.7",
    flowControlKey: "mail.provider",
    failureCallbackInfo: { state: "CALLBACK_CANCELED" },
  }),
  dig2: message({
    workflowUrl: DIGEST,
    label: "onboarding",
    createdAt: T + 5000,
    callerIP: "2001:db8::1",
    workflowCreatedAt: T - 77,
  }),
};
const idOf = Object.fromEntries(Object.entries(fixtures).map(([k, m]) => [m.dlqId, k]));
const names = Object.keys(fixtures);
/** Names oldest first: these tests are about what matches; the order is paging.test.ts's. */
const inKeyOrder = (found: string[]): string[] =>
  [...found].sort((a, b) => names.indexOf(a) - names.indexOf(b));

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, messages: Object.values(fixtures) });
});
afterAll(() => emu.close());

async function listNames(query: [string, string][], path = "/v2/workflows/dlq"): Promise<string[]> {
  const res = await call(emu, "GET", path, { query });
  expect(res.status, res.text).toBe(200);
  return inKeyOrder((res.json.messages as DlqMessage[]).map((m) => defined(idOf[m.dlqId])));
}

describe("filters on list", () => {
  beforeEach(() => emu.reset());

  it("matches workflowUrl exactly", async () => {
    expect(await listNames([["workflowUrl", PAYMENTS]])).toEqual(["pay1", "pay2"]);
    expect(await listNames([["workflowUrl", "https://api.acme-shop.example/api/workflows"]])).toEqual([]);
  });

  it("ORs repeated workflowUrl values", async () => {
    expect(
      await listNames([
        ["workflowUrl", PAYMENTS],
        ["workflowUrl", DIGEST],
      ]),
    ).toEqual(["pay1", "pay2", "dig1", "dig2"]);
  });

  it("matches workflowRunId exactly", async () => {
    expect(await listNames([["workflowRunId", defined(fixtures.ful2.workflowRunId)]])).toEqual(["ful2"]);
    expect(await listNames([["workflowRunId", defined(fixtures.ful2.workflowRunId).slice(0, -1)]])).toEqual(
      [],
    );
  });

  it("matches workflowCreatedAt to the millisecond", async () => {
    expect(await listNames([["workflowCreatedAt", String(T - 77)]])).toEqual(["dig2"]);
    expect(await listNames([["workflowCreatedAt", String(T - 76)]])).toEqual([]);
  });

  it("matches label against label and labels, with OR for repeats", async () => {
    expect(await listNames([["label", "payments"]])).toEqual(["pay1", "pay2", "payV2"]);
    expect(await listNames([["label", "checkout"]])).toEqual(["pay2", "ful1"]);
    expect(
      await listNames([
        ["label", "nightly-batch"],
        ["label", "onboarding"],
      ]),
    ).toEqual(["dig1", "dig2"]);
  });

  it("treats fromDate and toDate as inclusive bounds on createdAt", async () => {
    expect(
      await listNames([
        ["fromDate", String(T + 1000)],
        ["toDate", String(T + 3000)],
      ]),
    ).toEqual(["pay2", "payV2", "ful1"]);
    expect(
      await listNames([
        ["fromDate", String(T + 1001)],
        ["toDate", String(T + 2999)],
      ]),
    ).toEqual(["payV2"]);
    expect(await listNames([["fromDate", String(T + 5000)]])).toEqual(["dig1", "dig2"]);
    expect(await listNames([["toDate", String(T)]])).toEqual(["pay1"]);
    expect(await listNames([["toDate", String(T - 1)]])).toEqual([]);
  });

  it("matches callerIp against callerIP, with OR for repeats", async () => {
    expect(await listNames([["callerIp", "203.0.113.10"]])).toEqual(["pay1", "payV2", "ful2"]);
    expect(
      await listNames([
        ["callerIp", "2001:db8::1"],
        ["callerIp", "192.0.2.15"],
      ]),
    ).toEqual(["ful1", "dig2"]);
  });

  it("matches flowControlKey exactly, with OR for repeats", async () => {
    expect(await listNames([["flowControlKey", "payments-api"]])).toEqual(["pay1"]);
    expect(await listNames([["flowControlKey", "payments"]])).toEqual([]);
    expect(
      await listNames([
        ["flowControlKey", "mail.provider"],
        ["flowControlKey", "fulfillment_partner"],
      ]),
    ).toEqual(["ful1", "dig1"]);
  });

  it("matches failureFunctionState against failureCallbackInfo.state", async () => {
    expect(await listNames([["failureFunctionState", "CALLBACK_FAIL"]])).toEqual(["pay1"]);
    expect(await listNames([["failureFunctionState", "CALLBACK_SUCCESS"]])).toEqual(["ful1"]);
    expect(await listNames([["failureFunctionState", "CALLBACK_INPROGRESS"]])).toEqual(["ful2"]);
    expect(await listNames([["failureFunctionState", "CALLBACK_CANCELED"]])).toEqual(["dig1"]);
  });

  it("ANDs different fields together", async () => {
    expect(
      await listNames([
        ["label", "payments"],
        ["callerIp", "203.0.113.10"],
      ]),
    ).toEqual(["pay1", "payV2"]);
    expect(
      await listNames([
        ["workflowUrl", PAYMENTS],
        ["callerIp", "203.0.113.10"],
        ["fromDate", String(T + 1)],
      ]),
    ).toEqual([]);
  });

  it("accepts one comma-separated value like repeated keys, for every multi-valued field", async () => {
    expect(await listNames([["workflowUrl", `${PAYMENTS},${DIGEST}`]])).toEqual([
      "pay1",
      "pay2",
      "dig1",
      "dig2",
    ]);
    expect(await listNames([["label", "nightly-batch,onboarding"]])).toEqual(["dig1", "dig2"]);
    expect(await listNames([["callerIp", "2001:db8::1,192.0.2.15"]])).toEqual(["ful1", "dig2"]);
    expect(await listNames([["flowControlKey", "mail.provider,fulfillment_partner"]])).toEqual([
      "ful1",
      "dig1",
    ]);
    expect(
      await listNames([
        ["label", "checkout,nightly-batch"],
        ["label", "onboarding"],
      ]),
    ).toEqual(["pay2", "ful1", "dig1", "dig2"]);
  });

  it("ORs several failureFunctionState values, repeated or comma-separated", async () => {
    expect(await listNames([["failureFunctionState", "CALLBACK_FAIL,CALLBACK_CANCELED"]])).toEqual([
      "pay1",
      "dig1",
    ]);
    expect(
      await listNames([
        ["failureFunctionState", "CALLBACK_SUCCESS"],
        ["failureFunctionState", "CALLBACK_INPROGRESS"],
      ]),
    ).toEqual(["ful1", "ful2"]);
  });

  it("ORs within a multi-valued field and ANDs it with the others", async () => {
    expect(
      await listNames([
        ["workflowUrl", `${PAYMENTS},${FULFILLMENT}`],
        ["callerIp", "203.0.113.10,192.0.2.15"],
        ["failureFunctionState", "CALLBACK_FAIL,CALLBACK_SUCCESS"],
      ]),
    ).toEqual(["pay1", "ful1"]);
  });

  it("takes a comma in a single-valued field literally", async () => {
    const runId = defined(fixtures.pay1.workflowRunId);
    expect(await listNames([["workflowRunId", `${runId},${defined(fixtures.pay2.workflowRunId)}`]])).toEqual(
      [],
    );
  });
});

describe("the legacy list path GET /v2/dlq", () => {
  beforeEach(() => emu.reset());

  it("serves source=workflow, the official client's own query, like the workflow list", async () => {
    expect(
      await listNames(
        [
          ["source", "workflow"],
          ["label", "checkout"],
        ],
        "/v2/dlq",
      ),
    ).toEqual(["pay2", "ful1"]);
    expect(await listNames([["label", "checkout"]], "/v2/dlq")).toEqual(["pay2", "ful1"]);
  });

  it("refuses a source other than workflow", async () => {
    const res = await call(emu, "GET", "/v2/dlq", { query: [["source", "qstash"]] });
    expect(res.status).toBe(400);
    expect(res.json.error).toContain("source");
  });

  it("filters by url and responseStatus, which only the plain DLQ path takes", async () => {
    emu.reset({
      messages: [
        { ...fixtures.pay1, url: "https://api.stripe.example/v1/payment_intents", responseStatus: 502 },
        fixtures.pay2,
        fixtures.ful1,
      ],
    });
    expect(await listNames([["url", "https://api.stripe.example/v1/payment_intents"]], "/v2/dlq")).toEqual([
      "pay1",
    ]);
    expect(await listNames([["responseStatus", "500"]], "/v2/dlq")).toEqual(["pay2", "ful1"]);
    expect(
      await listNames(
        [
          ["source", "workflow"],
          ["responseStatus", "502"],
          ["label", "payments"],
        ],
        "/v2/dlq",
      ),
    ).toEqual(["pay1"]);
    const bad = await call(emu, "GET", "/v2/dlq", { query: [["responseStatus", "5xx"]] });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain("responseStatus");
  });
});

describe("unknown query parameters", () => {
  beforeEach(() => emu.reset());

  const endpoints = (): [string, string, [string, string][]][] => [
    ["GET", "/v2/workflows/dlq", []],
    ["GET", "/v2/dlq", [["source", "workflow"]]],
    ["POST", "/v2/workflows/dlq/resume", []],
    ["POST", "/v2/workflows/dlq/resume", [["dlqIds", fixtures.pay1.dlqId]]],
    ["DELETE", "/v2/workflows/dlq", []],
    ["DELETE", "/v2/workflows/dlq", [["dlqIds", fixtures.pay1.dlqId]]],
    ["GET", `/v2/workflows/dlq/${fixtures.pay1.dlqId}`, []],
    ["POST", `/v2/workflows/dlq/resume/${fixtures.pay1.dlqId}`, []],
  ];

  it.each([
    ["lable", "payments"],
    ["workflowURL", PAYMENTS],
    ["filter", "label=payments"],
    ["qstash_token", TOKEN],
  ])("refuse %s with 400 naming it, on every endpoint, and act on nothing", async (name, value) => {
    for (const [method, path, query] of endpoints()) {
      const res = await call(emu, method, path, { query: [...query, [name, value]] });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.json).toEqual({ error: `unknown query parameter "${name}"` });
    }
    expect(emu.store.size).toBe(7);
    expect(emu.resumed).toEqual([]);
  });

  it("names every unknown parameter once", async () => {
    const res = await call(emu, "POST", "/v2/workflows/dlq/resume", {
      query: [
        ["lable", "a"],
        ["label", "payments"],
        ["since", "1"],
        ["lable", "b"],
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'unknown query parameters "lable", "since"' });
    expect(emu.resumed).toEqual([]);
  });

  it("refuse what an endpoint does not take even when another takes it", async () => {
    const cases: [string, string, string, string][] = [
      ["GET", "/v2/workflows/dlq", "dlqIds", fixtures.pay1.dlqId],
      ["GET", "/v2/workflows/dlq", "url", PAYMENTS],
      ["GET", "/v2/workflows/dlq", "responseStatus", "500"],
      ["GET", "/v2/workflows/dlq", "source", "workflow"],
      ["GET", "/v2/dlq", "dlqIds", fixtures.pay1.dlqId],
      ["POST", "/v2/workflows/dlq/resume", "responseStatus", "500"],
      ["POST", "/v2/workflows/dlq/resume", "url", PAYMENTS],
      ["POST", "/v2/workflows/dlq/resume", "source", "workflow"],
      ["DELETE", "/v2/workflows/dlq", "topicName", "orders"],
      ["GET", `/v2/workflows/dlq/${fixtures.pay1.dlqId}`, "count", "1"],
      ["POST", `/v2/workflows/dlq/resume/${fixtures.pay1.dlqId}`, "dlqIds", fixtures.pay2.dlqId],
    ];
    for (const [method, path, name, value] of cases) {
      const res = await call(emu, method, path, { query: [[name, value]] });
      expect(res.status, `${method} ${path} ${name}`).toBe(400);
      expect(res.json.error).toBe(`unknown query parameter "${name}"`);
    }
    expect(emu.store.size).toBe(7);
    expect(emu.resumed).toEqual([]);
  });
});

describe("failureFunctionState on messages", () => {
  beforeEach(() => emu.reset());

  it("is served at top level with the value of failureCallbackInfo.state, in list and get", async () => {
    const res = await call(emu, "GET", "/v2/workflows/dlq");
    const byName = new Map((res.json.messages as DlqMessage[]).map((m) => [idOf[m.dlqId], m]));
    expect(byName.get("pay1")).toMatchObject({
      failureFunctionState: "CALLBACK_FAIL",
      failureCallbackInfo: { state: "CALLBACK_FAIL" },
    });
    expect(byName.get("ful2")?.failureFunctionState).toBe("CALLBACK_INPROGRESS");
    expect(byName.get("pay2")).not.toHaveProperty("failureFunctionState");
    const one = await call(emu, "GET", `/v2/workflows/dlq/${fixtures.dig1.dlqId}`);
    expect(one.json.failureFunctionState).toBe("CALLBACK_CANCELED");
    expect(one.json.failureCallbackInfo.state).toBe("CALLBACK_CANCELED");
  });

  it("is what the filter matches, also for a message that carries only the top-level field", async () => {
    const topOnly = message({ dlqId: "dlq_toponly", failureFunctionState: "CALLBACK_FAIL" });
    emu.reset({ messages: [fixtures.pay1, fixtures.ful1, topOnly] });
    const names = await call(emu, "GET", "/v2/workflows/dlq", {
      query: [["failureFunctionState", "CALLBACK_FAIL"]],
    });
    expect((names.json.messages as DlqMessage[]).map((m) => m.dlqId).sort()).toEqual(
      [fixtures.pay1.dlqId, "dlq_toponly"].sort(),
    );
  });
});

describe("invalid parameters", () => {
  beforeEach(() => emu.reset());

  it.each([
    ["fromDate", "yesterday"],
    ["toDate", "1.5"],
    ["workflowCreatedAt", "-5"],
    ["fromDate", "1e12"],
    ["count", "0"],
    ["count", "ten"],
    ["count", "-1"],
    ["failureFunctionState", "CALLBACK_UNKNOWN"],
    ["label", ""],
    ["label", "payments,"],
    ["workflowUrl", `,${PAYMENTS}`],
    ["callerIp", "203.0.113.10,,192.0.2.15"],
    ["failureFunctionState", "CALLBACK_FAIL,CALLBACK_UNKNOWN"],
    ["failureFunctionState", "CALLBACK_FAIL,"],
    ["workflowRunId", ""],
  ])("rejects %s=%j with 400 naming the parameter", async (name, value) => {
    for (const [method, path] of [
      ["GET", "/v2/workflows/dlq"],
      ["POST", "/v2/workflows/dlq/resume"],
      ["DELETE", "/v2/workflows/dlq"],
    ] as const) {
      const res = await call(emu, method, path, { query: [[name, value]] });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.json.error).toContain(name);
    }
    expect(emu.store.size).toBe(7);
    expect(emu.resumed).toEqual([]);
  });

  it("rejects a repeated single-value filter", async () => {
    const res = await call(emu, "POST", "/v2/workflows/dlq/resume", {
      query: [
        ["workflowRunId", defined(fixtures.pay1.workflowRunId)],
        ["workflowRunId", defined(fixtures.pay2.workflowRunId)],
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toContain("workflowRunId");
    expect(emu.store.size).toBe(7);
  });
});

describe("workflowRunId on the bulk endpoints", () => {
  const RUN = "wfr_prefixed";
  const runs = [
    message({ dlqId: "dlq_exact", workflowRunId: RUN, createdAt: T }),
    message({ dlqId: "dlq_longer", workflowRunId: `${RUN}XYZ`, createdAt: T + 1 }),
    message({ dlqId: "dlq_other", workflowRunId: "wfr_other", createdAt: T + 2 }),
  ];
  beforeEach(() => emu.reset({ messages: runs }));
  const left = () =>
    emu.store
      .list()
      .map((m) => m.dlqId)
      .sort();

  it("lists by the exact id", async () => {
    const res = await call(emu, "GET", "/v2/workflows/dlq", { query: [["workflowRunId", RUN]] });
    expect(res.json.messages.map((m: DlqMessage) => m.dlqId)).toEqual(["dlq_exact"]);
  });

  it("resumes and restarts every run the id is a prefix of", async () => {
    for (const path of ["/v2/workflows/dlq/resume", "/v2/workflows/dlq/restart"]) {
      emu.reset({ messages: runs });
      const res = await call(emu, "POST", path, { query: [["workflowRunId", RUN]] });
      expect(res.status).toBe(200);
      expect(res.json.workflowRuns).toHaveLength(2);
      expect(left()).toEqual(["dlq_other"]);
    }
  });

  it("deletes every run the id is a prefix of", async () => {
    const res = await call(emu, "DELETE", "/v2/workflows/dlq", { query: [["workflowRunId", RUN]] });
    expect(res.json).toEqual({ deleted: 2 });
    expect(left()).toEqual(["dlq_other"]);
  });

  it("matches the exact id with runIdPrefix off", async () => {
    const tidy = await startEmulator({ token: TOKEN, messages: runs, quirks: { runIdPrefix: false } });
    try {
      const res = await call(tidy, "POST", "/v2/workflows/dlq/resume", { query: [["workflowRunId", RUN]] });
      expect(res.json.workflowRuns).toHaveLength(1);
      expect(tidy.store.has("dlq_longer")).toBe(true);
    } finally {
      await tidy.close();
    }
  });
});

describe("resume by filter", () => {
  beforeEach(() => emu.reset());

  it("resumes only the matching entries and leaves the rest", async () => {
    const res = await call(emu, "POST", "/v2/workflows/dlq/resume", {
      query: [
        ["label", "payments"],
        ["callerIp", "203.0.113.10"],
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      workflowRuns: emu.resumed.map((r) => ({
        workflowRunId: r.workflowRunId,
        workflowCreatedAt: r.workflowCreatedAt,
      })),
    });
    expect(inKeyOrder(emu.store.list().map((m) => defined(idOf[m.dlqId])))).toEqual([
      "pay2",
      "ful1",
      "ful2",
      "dig1",
      "dig2",
    ]);
    // Newest first, as QStash lists and pages.
    expect(emu.resumed.map((r) => idOf[r.dlqId])).toEqual(["payV2", "pay1"]);
    expect(emu.resumed.map((r) => r.originalWorkflowRunId)).toEqual([
      fixtures.payV2.workflowRunId,
      fixtures.pay1.workflowRunId,
    ]);
  });

  it("deletes only the matching entries", async () => {
    const res = await call(emu, "DELETE", "/v2/workflows/dlq", { query: [["workflowUrl", FULFILLMENT]] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ deleted: 2 });
    expect(inKeyOrder(emu.store.list().map((m) => defined(idOf[m.dlqId])))).toEqual([
      "pay1",
      "pay2",
      "payV2",
      "dig1",
      "dig2",
    ]);
    expect(emu.resumed).toEqual([]);
  });
});
