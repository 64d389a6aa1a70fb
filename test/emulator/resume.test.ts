import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { call, defined, ids, NOW, nth, TOKEN } from "./helpers.js";

const RESUME = "/v2/workflows/dlq/resume";

let emu: Emulator;
let all: DlqMessage[];
beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN, entries: 150, seed: 4, now: NOW });
  all = emu.store.list();
});
afterEach(() => emu.close());

const idsOf = (messages: DlqMessage[]) => messages.map((m) => m.dlqId);
const runsOf = (messages: DlqMessage[]) =>
  messages.map((m) => ({ workflowRunId: m.workflowRunId, workflowCreatedAt: m.workflowCreatedAt }));

describe("resume by dlqIds", () => {
  it("resumes exactly the given entries, keeping run id and creation time", async () => {
    const picked = [nth(all, 10), nth(all, 3), nth(all, 77)];
    const res = await call(emu, "POST", RESUME, { query: ids(...idsOf(picked)) });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ workflowRuns: runsOf(picked) });
    expect(emu.store.size).toBe(147);
    for (const m of picked) expect(emu.store.get(m.dlqId)).toBeUndefined();
    expect(emu.resumed.map((r) => [r.dlqId, r.workflowRunId, r.workflowCreatedAt])).toEqual(
      picked.map((m) => [m.dlqId, m.workflowRunId, m.workflowCreatedAt]),
    );
  });

  it("ignores filters and count when dlqIds are given", async () => {
    const target = defined(all.find((m) => m.label !== "onboarding"));
    const res = await call(emu, "POST", RESUME, {
      query: [...ids(target.dlqId), ["label", "onboarding"], ["count", "0"], ["fromDate", "bogus"]],
    });
    expect(res.status).toBe(200);
    expect(res.json.workflowRuns).toEqual(runsOf([target]));
  });

  it("is atomic: one unknown id fails the whole request with 404 and resumes nothing", async () => {
    const res = await call(emu, "POST", RESUME, {
      query: ids(nth(all, 0).dlqId, "dlq_doesnotexist", nth(all, 1).dlqId),
    });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: "some DLQ messages were not found" });
    expect(emu.store.size).toBe(150);
    expect(emu.resumed).toEqual([]);
  });

  it("fails with 404 when the same entry is resumed twice", async () => {
    expect((await call(emu, "POST", RESUME, { query: ids(nth(all, 5).dlqId) })).status).toBe(200);
    const again = await call(emu, "POST", RESUME, { query: ids(nth(all, 5).dlqId) });
    expect(again.status).toBe(404);
    expect(emu.resumed).toHaveLength(1);
  });

  it("resumes a repeated id once", async () => {
    const res = await call(emu, "POST", RESUME, { query: ids(nth(all, 0).dlqId, nth(all, 0).dlqId) });
    expect(res.status).toBe(200);
    expect(res.json.workflowRuns).toHaveLength(1);
    expect(emu.resumed).toHaveLength(1);
  });

  it("processes at most 50 ids per request and pages through the rest with a cursor", async () => {
    const wanted = idsOf(all.slice(0, 120)).reverse();
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const query = ids(...wanted);
      if (cursor) query.push(["cursor", cursor]);
      const res = await call(emu, "POST", RESUME, { query });
      expect(res.status).toBe(200);
      pages.push(res.json.workflowRuns.length);
      cursor = res.json.cursor;
    } while (cursor);
    expect(pages).toEqual([50, 50, 20]);
    expect(emu.resumed.map((r) => r.dlqId)).toEqual(wanted);
    expect(emu.store.size).toBe(30);
  });

  it("rejects a filter cursor in dlqIds mode and a malformed cursor", async () => {
    const list = await call(emu, "GET", "/v2/workflows/dlq", { query: [["count", "5"]] });
    const keyCursor = list.json.cursor as string;
    const wrongKind = await call(emu, "POST", RESUME, {
      query: [...ids(nth(all, 0).dlqId), ["cursor", keyCursor]],
    });
    expect(wrongKind.status).toBe(400);
    const garbage = await call(emu, "POST", RESUME, {
      query: [...ids(nth(all, 0).dlqId), ["cursor", "!!!"]],
    });
    expect(garbage.status).toBe(400);
    expect(garbage.json.error).toMatch(/cursor/);
    expect(emu.resumed).toEqual([]);
  });

  it("rejects an empty dlqIds value", async () => {
    const res = await call(emu, "POST", RESUME, { query: [["dlqIds", ""]] });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/dlqIds/);
    expect(emu.store.size).toBe(150);
  });
});

describe("resume one: POST /v2/workflows/dlq/resume/{dlqId}", () => {
  it("resumes the entry and answers with its run", async () => {
    const target = nth(all, 42);
    const res = await call(emu, "POST", `${RESUME}/${target.dlqId}`, { headers: { "Upstash-Retries": "5" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      workflowRunId: target.workflowRunId,
      workflowCreatedAt: target.workflowCreatedAt,
    });
    expect(emu.store.get(target.dlqId)).toBeUndefined();
    expect(emu.resumed).toEqual([
      expect.objectContaining({ dlqId: target.dlqId, workflowRunId: target.workflowRunId, retries: 5 }),
    ]);
  });

  it("answers 404 for an unknown or already resumed entry", async () => {
    const missing = await call(emu, "POST", `${RESUME}/dlq_missing`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: "DLQ message not found" });
    await call(emu, "POST", `${RESUME}/${nth(all, 0).dlqId}`);
    expect((await call(emu, "POST", `${RESUME}/${nth(all, 0).dlqId}`)).status).toBe(404);
  });
});

describe("override headers", () => {
  it("records Upstash-Retries per resumed run", async () => {
    const res = await call(emu, "POST", RESUME, {
      query: ids(nth(all, 0).dlqId, nth(all, 1).dlqId),
      headers: { "Upstash-Retries": "0" },
    });
    expect(res.status).toBe(200);
    expect(emu.resumed.map((r) => r.retries)).toEqual([0, 0]);
    await call(emu, "POST", RESUME, { query: ids(nth(all, 2).dlqId) });
    expect(emu.resumed[2]).not.toHaveProperty("retries");
  });

  it.each(["-1", "101", "abc", "1.5", ""])(
    "rejects Upstash-Retries %j with 400 and resumes nothing",
    async (value) => {
      const res = await call(emu, "POST", RESUME, {
        query: ids(nth(all, 0).dlqId),
        headers: { "Upstash-Retries": value },
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/Upstash-Retries/);
      expect(emu.store.size).toBe(150);
    },
  );

  it.each([
    "parallelism=2, rate=10, period=1m",
    "parallelism=5",
    "rate=100, period=30",
    "parallelism=1, period=2d",
    "rate=3, period=1h",
  ])("accepts flow control %j and records it", async (value) => {
    const res = await call(emu, "POST", RESUME, {
      query: ids(nth(all, 0).dlqId),
      headers: { "Upstash-Flow-Control-Key": "payments.api_v2-eu", "Upstash-Flow-Control-Value": value },
    });
    expect(res.status).toBe(200);
    expect(emu.resumed[0]).toMatchObject({ flowControlKey: "payments.api_v2-eu", flowControlValue: value });
  });

  it.each([
    [{ "Upstash-Flow-Control-Key": "k" }, /Value/],
    [{ "Upstash-Flow-Control-Value": "parallelism=1" }, /Key/],
    [{ "Upstash-Flow-Control-Key": "bad key", "Upstash-Flow-Control-Value": "parallelism=1" }, /Key/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=10, parallelism=2" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "period=10s" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "parallelism=0" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=5, period=10x" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "parallelism=two" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, rate=2" }, /Value/],
  ])("rejects flow control headers %j with 400", async (headers, message) => {
    const res = await call(emu, "POST", RESUME, { query: ids(nth(all, 0).dlqId), headers });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
    expect(emu.resumed).toEqual([]);
  });

  it("validates headers on the single-entry form as well", async () => {
    const res = await call(emu, "POST", `${RESUME}/${nth(all, 0).dlqId}`, {
      headers: { "Upstash-Retries": "1000" },
    });
    expect(res.status).toBe(400);
    expect(emu.store.get(nth(all, 0).dlqId)).toBeDefined();
  });
});
