/**
 * The engine against answers as QStash really sends them (the emulator's default quirks): empty
 * lists and zero counts left out, flow-control keys with nothing but their name, a bulk resume
 * acting on as many entries as the count it was sent, run times typed as strings.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import type { ActionPlan } from "../../src/engine/actions/plan.js";
import { runAction } from "../../src/engine/actions/run.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { engineFor, json, scriptedServer } from "../support/engine.js";

const TOKEN = "engine_token_realistic";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulatorEngine(options: Partial<Parameters<typeof startEmulator>[0]> = {}) {
  const emulator = await startEmulator({ token: TOKEN, entries: 120, seed: 5, now: FIXED_NOW, ...options });
  const engine = engineFor(emulator.url, TOKEN, { timeoutMs: 1_000 });
  cleanups.push(
    () => emulator.close(),
    () => engine.close(),
  );
  return { emulator, engine };
}

const all = (overrides: Partial<ActionPlan> = {}): ActionPlan => ({
  action: "resume",
  selection: { mode: "all" },
  options: {},
  count: 20,
  maxPages: 1000,
  concurrency: 4,
  ...overrides,
});

describe("answers that leave out what is empty", () => {
  it("reads an idle flow-control key, and lists keys when one of them is idle", async () => {
    const { emulator, engine } = await emulatorEngine();
    // A redrive's key once everything drained: nothing waiting, nothing running, no limit pinned.
    emulator.store.flowControl.observe("drained-redrive", "rate=5, period=1s");
    emulator.store.flowControl.observe("busy-redrive", "parallelism=2");
    const idle = await engine.api.flowKey("drained-redrive");
    expect(idle).toMatchObject({
      key: "drained-redrive",
      waitlistSize: 0,
      parallelismCount: 0,
      rateCount: 0,
      rateMax: 5,
      isPaused: false,
    });
    expect(idle?.parallelismMax).toBeUndefined();
    const keys = await engine.api.flowKeys();
    expect(keys.map((key) => key.key)).toEqual(["busy-redrive", "drained-redrive"]);
    expect(keys.every((key) => key.waitlistSize === 0)).toBe(true);
  });

  it("ends a continuation whose entries are gone with nothing unreported", async () => {
    const { emulator, engine } = await emulatorEngine({ entries: 40 });
    const first = await runAction(all({ maxPages: 1 }), engine.scope());
    expect(first.workflowRuns).toHaveLength(20);
    expect(first.continuation).toBeDefined();
    // Someone else cleared the DLQ before the next page: QStash answers that page with `{}`.
    for (const message of emulator.store.list()) emulator.store.delete(message.dlqId);
    const next = await runAction(
      all({ ...(first.continuation ? { continuation: first.continuation } : {}) }),
      engine.scope(),
    );
    expect(next.error).toBeUndefined();
    expect(next.stopReason).toBe("done");
    expect(next.workflowRuns).toEqual([]);
    expect(next.unreportedPossible).toBe(false);
    expect(next.unreportedAtMost).toBe(0);
  });

  it("reads a bulk delete that removed nothing as 0 deleted", async () => {
    const { engine } = await emulatorEngine();
    const page = await engine.api.act(
      "delete",
      { mode: "filter", filter: { label: ["nobody-uses-this-label"] } },
      { count: 100 },
      {},
    );
    expect(page).toMatchObject({ deleted: 0, workflowRuns: [] });
    expect(page.cursor).toBeUndefined();
  });

  it("reads logs that match no run as an empty last page", async () => {
    const { engine } = await emulatorEngine();
    await expect(engine.api.logs({ workflowRunId: "wfr_never_ran" })).resolves.toEqual({ runs: [] });
  });
});

describe("an empty cursor", () => {
  it("ends every paged answer: listing, resume, delete and logs", async () => {
    const server = await scriptedServer(({ method, path }, res) => {
      if (path === "/v2/workflows/logs") return json(res, 200, { runs: [], cursor: "" });
      if (method === "GET")
        return json(res, 200, { messages: [{ dlqId: "dlq_1", createdAt: 1 }], cursor: "" });
      if (method === "DELETE") return json(res, 200, { deleted: 1, cursor: "" });
      json(res, 200, { workflowRuns: [{ workflowRunId: "wfr_1", workflowCreatedAt: 1 }], cursor: "" });
    });
    const engine = engineFor(server.url, TOKEN, { timeoutMs: 1_000 });
    cleanups.push(
      () => server.close(),
      () => engine.close(),
    );
    expect((await engine.api.list(undefined, { count: 10 })).cursor).toBeUndefined();
    expect((await engine.api.act("resume", { mode: "all" }, { count: 10 }, {})).cursor).toBeUndefined();
    expect((await engine.api.act("delete", { mode: "all" }, { count: 10 }, {})).cursor).toBeUndefined();
    expect((await engine.api.logs({})).cursor).toBeUndefined();
    const report = await runAction(all(), engine.scope());
    expect(report).toMatchObject({ stopReason: "done", pages: 1 });
    expect(report.continuation).toBeUndefined();
  });
});

describe("an empty answer where something must have been done", () => {
  it("does not read an empty answer to a resume by ids as nothing resumed: the ids that left the DLQ are probably resumed", async () => {
    // QStash answers ids that are not all in the DLQ with a 404, so a 200 naming no run is not
    // "none resumed": here the ids are gone afterwards, as if resumed without their runs named.
    const server = await scriptedServer(({ method }, res) =>
      method === "POST" ? json(res, 200, {}) : json(res, 404, { error: "DLQ message not found" }),
    );
    const engine = engineFor(server.url, TOKEN, { timeoutMs: 1_000 });
    cleanups.push(
      () => server.close(),
      () => engine.close(),
    );
    const report = await runAction(
      { ...all(), selection: { mode: "ids", dlqIds: ["dlq_a", "dlq_b"] } },
      engine.scope(),
    );
    expect(report.stopReason).toBe("error");
    expect(report.error?.kind).toBe("protocol");
    expect(report.probablyChanged).toEqual(["dlq_a", "dlq_b"]);
  });
});

describe("how many runs a bulk page acts on", () => {
  it("bounds what a lost answer may have left unreported by the count it sent, not by 50", async () => {
    const { emulator, engine } = await emulatorEngine({ entries: 300 });
    // The second page's answer is lost after QStash acted on it.
    emulator.inject({ kind: "reset-after", after: 1, match: (r) => r.method === "POST" });
    const report = await runAction(all({ count: 100 }), engine.scope());
    const reported = new Set(report.workflowRuns.map((run) => run.workflowRunId));
    const silent = emulator.resumed.filter((record) => !reported.has(record.workflowRunId));
    expect(silent.length).toBeGreaterThan(50);
    expect(report.unreportedPossible).toBe(true);
    expect(report.unreportedAtMost).toBeGreaterThanOrEqual(silent.length);
    expect(report.unreportedAtMost).toBeLessThanOrEqual(100);
  });
});

describe("how many runs a bulk page acts on, for the result's bound", () => {
  it("sends no page whose count of runs would not fit the result", async () => {
    const { emulator, engine } = await emulatorEngine({ entries: 300 });
    const probe = await runAction(all({ count: 10, maxPages: 1 }), engine.scope());
    const runChars = Math.max(...probe.workflowRuns.map((run) => JSON.stringify(run).length + 1));
    emulator.reset();
    // Room for 175 runs: a first page of 100 fits, a second of 100 would not.
    const maxReportChars = 175 * runChars;
    const report = await runAction(all({ count: 100, maxReportChars }), engine.scope());
    expect(report.stopReason).toBe("resultSize");
    expect(report.workflowRuns).toHaveLength(100);
    expect(emulator.resumed).toHaveLength(100);
  });
});

describe("run creation times as strings", () => {
  it("reads workflowCreatedAt as digits or a date, from resume answers and failure-callback retries", async () => {
    const server = await scriptedServer(({ method, path }, res) => {
      if (path.startsWith("/v2/workflows/dlq/callback/")) {
        return json(res, 200, { workflowRunId: "wfr_cb", workflowCreatedAt: "2023-01-01T00:00:00Z" });
      }
      if (method === "GET") return json(res, 200, { messages: [{ dlqId: "dlq_1", createdAt: FIXED_NOW }] });
      json(res, 200, {
        cursor: "",
        workflowRuns: [
          { workflowRunId: "wfr_digits", workflowCreatedAt: "1752829293531" },
          { workflowRunId: "wfr_iso", workflowCreatedAt: "2023-01-01T01:00:00Z" },
          { workflowRunId: "wfr_number", workflowCreatedAt: 1752829293532 },
          { workflowRunId: "wfr_garbled", workflowCreatedAt: "soon" },
        ],
      });
    });
    const engine = engineFor(server.url, TOKEN, { timeoutMs: 1_000 });
    cleanups.push(
      () => server.close(),
      () => engine.close(),
    );
    const report = await runAction(all(), engine.scope());
    expect(report.stopReason).toBe("done");
    expect(report.workflowRuns).toEqual([
      { workflowRunId: "wfr_digits", workflowCreatedAt: 1752829293531 },
      { workflowRunId: "wfr_iso", workflowCreatedAt: Date.UTC(2023, 0, 1, 1) },
      { workflowRunId: "wfr_number", workflowCreatedAt: 1752829293532 },
      { workflowRunId: "wfr_garbled" },
    ]);
    await expect(engine.api.retryCallback("dlq_1")).resolves.toEqual({
      workflowRunId: "wfr_cb",
      workflowCreatedAt: Date.UTC(2023, 0, 1),
    });
  });

  it("reads an entry whose run time is a string, and finds its run in the logs by it", async () => {
    const entry = {
      dlqId: "dlq_string_time",
      workflowRunId: "wfr_string_time",
      workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
      workflowCreatedAt: "1764320000000",
      url: "https://api.acme-shop.example/api/workflows/orders",
      createdAt: FIXED_NOW - 1_000,
      responseStatus: 500,
    } as unknown as DlqMessage;
    const { engine } = await emulatorEngine({ messages: [entry] });
    const listed = await engine.api.list(undefined, { count: 10 });
    expect(listed.messages[0]?.workflowCreatedAt).toBe(1764320000000);
    const got = await engine.api.get("dlq_string_time");
    expect(got?.workflowCreatedAt).toBe(1764320000000);
    const logs = await engine.api.logs({ workflowRuns: "wfr_string_time@1764320000000" });
    expect(logs.runs).toHaveLength(1);
    expect(logs.runs[0]?.workflowRunCreatedAt).toBe(1764320000000);
  });
});
