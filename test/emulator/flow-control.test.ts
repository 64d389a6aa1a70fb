/**
 * Flow control as the emulator applies it to the runs it starts: the waitlist, rate per period,
 * parallelism, pause and resume, pin, unpin and resetRate, in emulated time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FlowControl, parseFlowControlValue } from "../../src/emulator/flow-control.js";
import { until } from "../support/wait.js";

describe("flow control", () => {
  let flow: FlowControl | undefined;
  afterEach(() => flow?.close());

  it("reads the value header as the official client writes it", () => {
    expect(parseFlowControlValue("parallelism=5, rate=10, period=1m")).toEqual({
      parallelism: 5,
      rate: 10,
      period: 60,
    });
    expect(parseFlowControlValue("rate=3")).toEqual({ rate: 3 });
    expect(parseFlowControlValue("period=30")).toEqual({ period: 30 });
  });

  it("starts at most rate runs a period, keeps the rest waiting, and drains period by period", async () => {
    const finished: string[] = [];
    // One emulated second is 10 ms; a run takes 100 emulated ms.
    flow = new FlowControl({ speedUp: 100, runMs: 100 }, (run) => finished.push(run));
    for (let i = 0; i < 35; i++) flow.submit(`wfr_${i}`, "redrive-1", "rate=10, period=1s");
    expect(flow.info("redrive-1")).toMatchObject({
      waitlistSize: 25,
      rateMax: 10,
      rateCount: 10,
      ratePeriod: 1,
    });
    await until(() => finished.length === 35);
    expect(finished).toEqual(Array.from({ length: 35 }, (_, i) => `wfr_${i}`));
    expect(flow.info("redrive-1")).toMatchObject({ waitlistSize: 0, parallelismCount: 0 });
  });

  it("holds a paused key's waitlist until it is resumed, and new runs join it", async () => {
    const finished: string[] = [];
    flow = new FlowControl({ speedUp: 100, runMs: 100 }, (run) => finished.push(run));
    flow.submit("wfr_a", "k", "parallelism=1");
    expect(flow.pause("k")).toBe(true);
    flow.submit("wfr_b", "k", "parallelism=1");
    flow.submit("wfr_c", "k", "parallelism=1");
    await until(() => finished.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toEqual(["wfr_a"]);
    expect(flow.info("k")).toMatchObject({ isPaused: true, waitlistSize: 2 });
    expect(flow.resume("k")).toBe(true);
    await until(() => finished.length === 3);
    expect(flow.pause("never-used")).toBe(false);
  });

  it("keeps parallelism: never more runs of a key in flight than allowed", async () => {
    let inFlightMax = 0;
    const finished: string[] = [];
    flow = new FlowControl({ speedUp: 100, runMs: 200 }, (run) => {
      finished.push(run);
    });
    for (let i = 0; i < 12; i++) flow.submit(`wfr_${i}`, "p", "parallelism=3");
    const watch = setInterval(() => {
      inFlightMax = Math.max(inFlightMax, flow?.info("p")?.parallelismCount ?? 0);
    }, 1);
    await until(() => finished.length === 12);
    clearInterval(watch);
    expect(inFlightMax).toBeLessThanOrEqual(3);
    expect(inFlightMax).toBeGreaterThan(0);
  });

  it("pins a configuration that incoming messages cannot change, until it is unpinned", () => {
    flow = new FlowControl({ speedUp: 1, runMs: 60_000 }, () => {});
    flow.submit("wfr_1", "k", "rate=2, period=1m");
    expect(flow.pin("k", { rate: 50, period: 10 })).toBe(true);
    flow.submit("wfr_2", "k", "rate=2, period=1m");
    expect(flow.info("k")).toMatchObject({ rateMax: 50, ratePeriod: 10, isPinnedRate: true, rateCount: 1 });
    expect(flow.unpin("k", {})).toBe(true);
    expect(flow.info("k")).toMatchObject({ isPinnedRate: true });
    expect(flow.unpin("k", { rate: true })).toBe(true);
    flow.submit("wfr_3", "k", "rate=2, period=1m");
    expect(flow.info("k")).toMatchObject({ rateMax: 2, ratePeriod: 60, isPinnedRate: false });
  });

  it("resets the rate count, letting the waitlist go without waiting out the period", () => {
    flow = new FlowControl({ speedUp: 1, runMs: 60_000 }, () => {});
    for (let i = 0; i < 5; i++) flow.submit(`wfr_${i}`, "k", "rate=2, period=1h");
    expect(flow.info("k")).toMatchObject({ rateCount: 2, waitlistSize: 3 });
    expect(flow.resetRate("k")).toBe(true);
    expect(flow.info("k")).toMatchObject({ rateCount: 2, waitlistSize: 1 });
  });
});

describe("the emulator running what it resumes", () => {
  it("queues resumed runs under their key, serves the flow-control API, and re-enters runs that fail again", async () => {
    const { startEmulator } = await import("../../src/emulator/index.js");
    const { call, ids, message, NOW, TOKEN } = await import("./helpers.js");
    const messages = Array.from({ length: 30 }, (_, i) =>
      message({ dlqId: `dlq_run${i}`, createdAt: NOW - 10_000 + i, responseStatus: i < 10 ? 422 : 503 }),
    );
    const emu = await startEmulator({ token: TOKEN, messages, delivery: { speedUp: 20, runMs: 100 } });
    try {
      const headers = {
        "upstash-flow-control-key": "redrive-1",
        "upstash-flow-control-value": "rate=10, period=1s",
      };
      const resumed = await call(emu, "POST", "/v2/workflows/dlq/resume", {
        query: ids(...messages.map((m) => m.dlqId)),
        headers,
      });
      expect(resumed.status).toBe(200);
      const key = await call(emu, "GET", "/v2/flowControl/redrive-1");
      expect(key.json).toMatchObject({ flowControlKey: "redrive-1", waitlistSize: 20, rateMax: 10 });
      expect((await call(emu, "POST", "/v2/flowControl/redrive-1/pause")).status).toBe(200);
      expect((await call(emu, "GET", "/v2/flowControl")).json).toEqual([
        expect.objectContaining({ flowControlKey: "redrive-1", isPaused: true }),
      ]);
      // As QStash may: 200 for an action on a key it does not know (only the GET documents a 404).
      expect((await call(emu, "POST", "/v2/flowControl/nobody/pause")).status).toBe(200);
      expect((await call(emu, "GET", "/v2/flowControl/nobody")).status).toBe(404);
      expect(
        (await call(emu, "POST", "/v2/flowControl/redrive-1/pin", { query: [["rate", "x"]] })).status,
      ).toBe(400);
      expect(
        (await call(emu, "POST", "/v2/flowControl/redrive-1/pin", { query: [["rate", "30"]] })).status,
      ).toBe(200);
      expect((await call(emu, "POST", "/v2/flowControl/redrive-1/resume")).status).toBe(200);
      await until(() => emu.resumed.every((record) => record.state !== "RUN_STARTED"), 5_000);
      const failed = emu.resumed.filter((record) => record.state === "RUN_FAILED");
      // Most 422s fail again; most 503s clear.
      expect(failed.filter((r) => Number(r.dlqId.slice(7)) < 10).length).toBeGreaterThan(5);
      expect(failed.filter((r) => Number(r.dlqId.slice(7)) >= 10).length).toBeLessThan(10);
      for (const record of failed) {
        const entry = emu.store.get(record.refailedAs as string);
        expect(entry?.workflowRunId).toBe(record.workflowRunId);
        expect(entry?.createdAt).toBeGreaterThan(record.at);
      }
      expect(emu.store.size).toBe(failed.length);
    } finally {
      await emu.close();
    }
  });
});
