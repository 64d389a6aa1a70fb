/**
 * The engine against answers as QStash really sends them (the emulator's default quirks): empty
 * lists and zero counts left out, flow-control keys with nothing but their name.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ResumePlan, runResume } from "../../src/dlq/resume.js";
import { startEmulator } from "../../src/emulator/index.js";
import { FIXED_NOW } from "../support/data.js";
import { engineFor } from "../support/engine.js";

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

const all = (overrides: Partial<ResumePlan> = {}): ResumePlan => ({
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
    const first = await runResume(all({ maxPages: 1 }), engine.scope());
    expect(first.workflowRuns).toHaveLength(20);
    expect(first.continuation).toBeDefined();
    // Someone else cleared the DLQ before the next page: QStash answers that page with `{}`.
    for (const message of emulator.store.list()) emulator.store.delete(message.dlqId);
    const next = await runResume(
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
