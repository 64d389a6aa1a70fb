/**
 * Answers as QStash sends them (the default quirks), and as a tidy reading of its docs would have
 * them (`quirks: { omitEmpty: false }`): a client must read both.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call, ids, message, TOKEN } from "./helpers.js";

const RESUME = "/v2/workflows/dlq/resume";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(omitEmpty: boolean): Promise<Emulator> {
  emu = await startEmulator({
    token: TOKEN,
    messages: [message({ dlqId: "dlq_a" }), message({ dlqId: "dlq_b", maxRetries: 0 })],
    quirks: { omitEmpty },
  });
  return emu;
}

describe("omitEmpty, on by default", () => {
  it("leaves out empty run lists, zero counts and an empty last cursor", async () => {
    const e = await start(true);
    const nothing = await call(e, "POST", RESUME, { query: [["label", "nobody"]] });
    expect(nothing.status).toBe(200);
    expect(nothing.json).toEqual({});
    const deleted = await call(e, "DELETE", "/v2/workflows/dlq", { query: [["label", "nobody"]] });
    expect(deleted.json).toEqual({});
    const logs = await call(e, "GET", "/v2/workflows/logs", { query: [["workflowRunId", "wfr_none"]] });
    expect(logs.json).toEqual({});
  });

  it("leaves a flow-control key's zero counts, false flags and unset limits out", async () => {
    const e = await start(true);
    e.store.flowControl.observe("idle", undefined);
    const key = await call(e, "GET", "/v2/flowControl/idle");
    expect(key.json).toEqual({
      flowControlKey: "idle",
      ratePeriod: 1,
      ratePeriodStart: expect.any(Number),
    });
    expect((await call(e, "GET", "/v2/flowControl")).json).toEqual([key.json]);
  });

  it("leaves zeros out deep in an answer, and keeps a listing's messages even when empty", async () => {
    const e = await start(true);
    const listed = await call(e, "GET", "/v2/workflows/dlq");
    const b = listed.json.messages.find((m: { dlqId: string }) => m.dlqId === "dlq_b");
    expect(b).toBeDefined();
    expect(b).not.toHaveProperty("maxRetries");
    const logs = await call(e, "GET", "/v2/workflows/logs", { query: [["trimBody", "0"]] });
    const init = logs.json.runs[0].steps[0].steps[0];
    // The first step is step 0, which QStash leaves out, as its live logs show.
    expect(init).toMatchObject({ stepName: "init" });
    expect(init).not.toHaveProperty("stepId");
    await call(e, "POST", RESUME, { query: ids("dlq_a", "dlq_b") });
    expect((await call(e, "GET", "/v2/workflows/dlq")).json).toEqual({ messages: [] });
  });
});

describe("omitEmpty off: the tidy shape", () => {
  it("sends every field, empty or not, an unset limit as 0", async () => {
    const e = await start(false);
    expect((await call(e, "POST", RESUME, { query: [["label", "nobody"]] })).json).toEqual({
      workflowRuns: [],
    });
    expect((await call(e, "DELETE", "/v2/workflows/dlq", { query: [["label", "nobody"]] })).json).toEqual({
      deleted: 0,
    });
    expect(
      (await call(e, "GET", "/v2/workflows/logs", { query: [["workflowRunId", "wfr_none"]] })).json,
    ).toEqual({ runs: [], cursor: "" });
    e.store.flowControl.observe("idle", undefined);
    expect((await call(e, "GET", "/v2/flowControl/idle")).json).toEqual({
      flowControlKey: "idle",
      waitlistSize: 0,
      waitListSize: 0,
      parallelismMax: 0,
      parallelismCount: 0,
      rateMax: 0,
      rateCount: 0,
      ratePeriod: 1,
      ratePeriodStart: expect.any(Number),
      isPaused: false,
      isPinnedParallelism: false,
      isPinnedRate: false,
    });
  });
});

describe("headers as QStash takes them", () => {
  it("takes the parts of Upstash-Flow-Control-Value in any order", async () => {
    const e = await start(true);
    const res = await call(e, "POST", RESUME, {
      query: ids("dlq_a"),
      headers: {
        "upstash-flow-control-key": "any-order",
        "upstash-flow-control-value": "period=3s, rate=2, parallelism=1",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(e.store.flowControl.info("any-order")).toMatchObject({
      parallelismMax: 1,
      rateMax: 2,
      ratePeriod: 3,
    });
    const twice = await call(e, "POST", RESUME, {
      query: ids("dlq_b"),
      headers: { "upstash-flow-control-key": "twice", "upstash-flow-control-value": "rate=2, rate=3" },
    });
    expect(twice.status).toBe(400);
  });

  it("takes a comma-separated Upstash-Label as several labels, the first also as label", async () => {
    emu = await startEmulator({
      token: TOKEN,
      messages: [message({ dlqId: "dlq_a", label: "old" })],
      refail: { share: 1 },
    });
    const res = await call(emu, "POST", RESUME, {
      query: ids("dlq_a"),
      headers: { "upstash-label": "incident-7, redrive-2" },
    });
    expect(res.status, res.text).toBe(200);
    const [record] = emu.resumed;
    expect(record).toMatchObject({ label: "incident-7", labels: ["incident-7", "redrive-2"] });
    const reentry = emu.store.get(record?.refailedAs as string);
    expect(reentry).toMatchObject({ label: "incident-7", labels: ["incident-7", "redrive-2"] });
    const listed = await call(emu, "GET", "/v2/workflows/dlq", { query: [["label", "redrive-2"]] });
    expect(listed.json.messages.map((m: { dlqId: string }) => m.dlqId)).toEqual([record?.refailedAs]);
    const logs = await call(emu, "GET", "/v2/workflows/logs", { query: [["label", "redrive-2"]] });
    expect(logs.json.runs.map((run: { workflowRunId: string }) => run.workflowRunId)).toEqual([
      record?.workflowRunId,
    ]);
    const empty = await call(emu, "POST", RESUME, {
      query: ids(record?.refailedAs as string),
      headers: { "upstash-label": "a,,b" },
    });
    expect(empty.status).toBe(400);
  });
});

describe("cancelling a failure callback in progress", () => {
  it("answers 302 with no body, as the OpenAPI documents, and 400 when none is in progress", async () => {
    const running = message({
      dlqId: "dlq_cb_running",
      createdAt: Date.now() - 1_000,
      failureCallback: "https://example.com/on-failure",
      failureFunctionState: "CALLBACK_INPROGRESS",
    });
    const emu = await startEmulator({ token: TOKEN, messages: [running] });
    try {
      const cancelled = await call(emu, "DELETE", "/v2/workflows/dlq/callback/dlq_cb_running");
      expect(cancelled.status).toBe(302);
      const again = await call(emu, "DELETE", "/v2/workflows/dlq/callback/dlq_cb_running");
      expect(again.status).toBe(400);
    } finally {
      await emu.close();
    }
  });
});
