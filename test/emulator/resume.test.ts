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
/** The runs the emulator started, as a resume answer lists them. */
const newRuns = () =>
  emu.resumed.map((r) => ({ workflowRunId: r.workflowRunId, workflowCreatedAt: r.workflowCreatedAt }));

describe("resume by dlqIds", () => {
  it("resumes exactly the given entries, each as a new run created at the resume", async () => {
    const picked = [nth(all, 10), nth(all, 3), nth(all, 77)];
    const before = Date.now();
    const res = await call(emu, "POST", RESUME, { query: ids(...idsOf(picked)) });
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ workflowRuns: newRuns() });
    expect(emu.store.size).toBe(147);
    for (const m of picked) expect(emu.store.get(m.dlqId)).toBeUndefined();
    expect(emu.resumed.map((r) => [r.dlqId, r.originalWorkflowRunId, r.originalWorkflowCreatedAt])).toEqual(
      picked.map((m) => [m.dlqId, m.workflowRunId, m.workflowCreatedAt]),
    );
    const originals = new Set(all.map((m) => m.workflowRunId));
    for (const run of res.json.workflowRuns as { workflowRunId: string; workflowCreatedAt: number }[]) {
      expect(run.workflowRunId).toMatch(/^wfr_[A-Za-z0-9_-]{21}$/);
      expect(originals.has(run.workflowRunId)).toBe(false);
      expect(run.workflowCreatedAt).toBeGreaterThanOrEqual(before);
      expect(run.workflowCreatedAt).toBeLessThanOrEqual(after);
    }
    expect(new Set(emu.resumed.map((r) => r.workflowRunId)).size).toBe(3);
    expect(emu.resumed.every((r) => r.action === "resume" && r.refailedAs === undefined)).toBe(true);
  });

  it("gives the same entries the same new run ids in another emulator with the same contents", async () => {
    const picked = idsOf([nth(all, 1), nth(all, 2)]);
    const first = await call(emu, "POST", RESUME, { query: ids(...picked) });
    const twin = await startEmulator({ token: TOKEN, entries: 150, seed: 4, now: NOW });
    try {
      const second = await call(twin, "POST", RESUME, { query: ids(...picked.toReversed()) });
      const runIdOf = (records: Emulator["resumed"]) =>
        new Map(records.map((r) => [r.dlqId, r.workflowRunId]));
      expect(runIdOf(twin.resumed)).toEqual(runIdOf(emu.resumed));
      expect(second.json.workflowRuns.map((r: { workflowRunId: string }) => r.workflowRunId)).toEqual(
        first.json.workflowRuns.map((r: { workflowRunId: string }) => r.workflowRunId).toReversed(),
      );
    } finally {
      await twin.close();
    }
  });

  it("ignores filters and count when dlqIds are given", async () => {
    const target = defined(all.find((m) => m.label !== "onboarding"));
    const res = await call(emu, "POST", RESUME, {
      query: [...ids(target.dlqId), ["label", "onboarding"], ["count", "0"], ["fromDate", "bogus"]],
    });
    expect(res.status).toBe(200);
    expect(res.json.workflowRuns).toEqual(newRuns());
    expect(emu.resumed.map((r) => r.dlqId)).toEqual([target.dlqId]);
  });

  it("answers 404 for one unknown id, and still resumes the ids it found", async () => {
    const res = await call(emu, "POST", RESUME, {
      query: ids(nth(all, 0).dlqId, "dlq_doesnotexist", nth(all, 1).dlqId),
    });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: "some DLQ messages were not found" });
    expect(emu.store.size).toBe(148);
    expect(emu.resumed.map((r) => r.dlqId)).toEqual([nth(all, 0).dlqId, nth(all, 1).dlqId]);
  });

  it("with partialIdBatches off, is atomic: one unknown id fails the whole request and resumes nothing", async () => {
    const tidy = await startEmulator({
      token: TOKEN,
      entries: 150,
      seed: 4,
      now: NOW,
      quirks: { partialIdBatches: false },
    });
    try {
      const res = await call(tidy, "POST", RESUME, {
        query: ids(nth(all, 0).dlqId, "dlq_doesnotexist", nth(all, 1).dlqId),
      });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: "some DLQ messages were not found" });
      expect(tidy.store.size).toBe(150);
      expect(tidy.resumed).toEqual([]);
    } finally {
      await tidy.close();
    }
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

  it("acts on every id it names in one request, beyond 50, and answers with no cursor", async () => {
    const wanted = idsOf(all.slice(0, 120)).reverse();
    const res = await call(emu, "POST", RESUME, { query: ids(...wanted) });
    expect(res.status).toBe(200);
    expect(res.json.workflowRuns).toHaveLength(120);
    expect(res.json).not.toHaveProperty("cursor");
    expect(emu.resumed.map((r) => r.dlqId)).toEqual(wanted);
    expect(res.json.workflowRuns).toEqual(newRuns());
    expect(emu.store.size).toBe(30);
  });

  it("refuses any cursor in dlqIds mode, its own list cursors included, and resumes nothing", async () => {
    const list = await call(emu, "GET", "/v2/workflows/dlq", { query: [["count", "5"]] });
    for (const cursor of [list.json.cursor as string, "!!!"]) {
      const res = await call(emu, "POST", RESUME, { query: [...ids(nth(all, 0).dlqId), ["cursor", cursor]] });
      expect(res.status, cursor).toBe(400);
      expect(res.json.error).toMatch(/cursor/);
    }
    expect(emu.resumed).toEqual([]);
    expect(emu.store.size).toBe(150);
  });

  it("rejects an empty dlqIds value", async () => {
    const res = await call(emu, "POST", RESUME, { query: [["dlqIds", ""]] });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/dlqIds/);
    expect(emu.store.size).toBe(150);
  });
});

describe("resume one: POST /v2/workflows/dlq/resume/{dlqId}", () => {
  it("resumes the entry and answers with its new run", async () => {
    const target = nth(all, 42);
    const res = await call(emu, "POST", `${RESUME}/${target.dlqId}`, { headers: { "Upstash-Retries": "5" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual(nth(newRuns(), 0));
    expect(res.json.workflowRunId).not.toBe(target.workflowRunId);
    expect(emu.store.get(target.dlqId)).toBeUndefined();
    expect(emu.resumed).toEqual([
      expect.objectContaining({
        dlqId: target.dlqId,
        originalWorkflowRunId: target.workflowRunId,
        originalWorkflowCreatedAt: target.workflowCreatedAt,
        retries: 5,
      }),
    ]);
  });

  it("refuses any query parameter with 400 and resumes nothing", async () => {
    const target = nth(all, 0);
    const res = await call(emu, "POST", `${RESUME}/${target.dlqId}`, { query: [["retries", "3"]] });
    expect(res.status).toBe(400);
    expect(res.json.error).toContain('"retries"');
    expect(emu.store.get(target.dlqId)).toBeDefined();
    expect(emu.resumed).toEqual([]);
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
    "rate=1, period=1s",
    "rate=1, period=1",
    "rate=1, period=7d",
    "rate=1, period=168h",
    "rate=1, period=10080m",
    "rate=1, period=604800",
    "rate=1, period=604800s",
    // The parts in any order: nothing in the docs says the order matters.
    "rate=10, parallelism=2",
    "period=3s, rate=2, parallelism=1",
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
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "period=10s" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "parallelism=0" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=5, period=10x" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "parallelism=two" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, rate=2" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=0" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=0s" }, /Value/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=8d" }, /period.*7d/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=169h" }, /period.*7d/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=10081m" }, /period/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=604801" }, /period/],
    [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=604801s" }, /period/],
    [
      { "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": `rate=1, period=${"9".repeat(30)}d` },
      /period/,
    ],
  ])("rejects flow control headers %j with 400", async (headers, message) => {
    const res = await call(emu, "POST", RESUME, { query: ids(nth(all, 0).dlqId), headers });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
    expect(emu.resumed).toEqual([]);
  });

  it("validates headers on the single-entry form as well", async () => {
    const invalid: Record<string, string>[] = [
      { "Upstash-Retries": "1000" },
      { "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=8d" },
    ];
    for (const headers of invalid) {
      const res = await call(emu, "POST", `${RESUME}/${nth(all, 0).dlqId}`, { headers });
      expect(res.status).toBe(400);
    }
    expect(emu.store.get(nth(all, 0).dlqId)).toBeDefined();
  });
});
