import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import type { ActionPlan } from "../../src/engine/actions/plan.js";
import { runAction } from "../../src/engine/actions/run.js";
import { runList } from "../../src/engine/list.js";
import { FIXED_NOW } from "../support/data.js";
import { type Engine, engineFor, json, scriptedServer } from "../support/engine.js";

const TOKEN = "engine_token_8c1f";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulatorEngine(
  options: Parameters<typeof startEmulator>[0] extends infer O ? Partial<O> : never,
) {
  const emulator = await startEmulator({ token: TOKEN, entries: 200, seed: 5, now: FIXED_NOW, ...options });
  const engine = engineFor(emulator.url, TOKEN, { timeoutMs: 500 });
  cleanups.push(
    () => emulator.close(),
    () => engine.close(),
  );
  return { emulator, engine };
}

async function scriptedEngine(script: Parameters<typeof scriptedServer>[0]): Promise<Engine> {
  const server = await scriptedServer(script);
  const engine = engineFor(server.url, TOKEN, { timeoutMs: 5_000 });
  cleanups.push(
    () => server.close(),
    () => engine.close(),
  );
  return engine;
}

const all = (overrides: Partial<ActionPlan> = {}): ActionPlan => ({
  action: "resume",
  selection: { mode: "all" },
  options: {},
  count: 50,
  maxPages: 1000,
  concurrency: 4,
  ...overrides,
});

const LIST_ONE = { messages: [{ dlqId: "dlq_1", createdAt: FIXED_NOW }] };

describe("resuming by cursor", () => {
  it("keeps every readable run of a page whose other fields are odd", async () => {
    const runs = Array.from({ length: 50 }, (_, i) => ({
      workflowRunId: `wfr_${i}`,
      workflowCreatedAt: i === 7 ? null : FIXED_NOW + i,
    }));
    const engine = await scriptedEngine(({ method }, res) =>
      json(res, 200, method === "GET" ? LIST_ONE : { workflowRuns: runs }),
    );
    const report = await runAction(all(), engine.scope());
    expect(report.stopReason).toBe("done");
    expect(report.workflowRuns.map((run) => run.workflowRunId)).toEqual(runs.map((run) => run.workflowRunId));
    expect(report.workflowRuns[7]).toEqual({ workflowRunId: "wfr_7" });
    expect(report.unreportedPossible).toBe(false);
  });

  it("counts run entries without a readable id as possibly resumed", async () => {
    const engine = await scriptedEngine(({ method }, res) =>
      json(
        res,
        200,
        method === "GET" ? LIST_ONE : { workflowRuns: [{ workflowRunId: "wfr_a" }, { id: 3 }, null] },
      ),
    );
    const report = await runAction(all(), engine.scope());
    expect(report.workflowRuns).toEqual([{ workflowRunId: "wfr_a" }]);
    expect(report).toMatchObject({ unreportedPossible: true, unreportedAtMost: 2 });
  });

  it("stops at a cursor cycle A → B → A, keeping each page's runs", async () => {
    const cursors = ["A", "B", "A", "B"];
    let page = 0;
    const engine = await scriptedEngine(({ method }, res) => {
      if (method === "GET") return json(res, 200, LIST_ONE);
      const cursor = cursors[page] as string;
      page += 1;
      json(res, 200, { workflowRuns: [{ workflowRunId: `wfr_${page}`, workflowCreatedAt: 1 }], cursor });
    });
    const report = await runAction(all(), engine.scope());
    expect(report.stopReason).toBe("error");
    expect(report.error?.message).toMatch(/already returned/);
    expect(report.workflowRuns.map((run) => run.workflowRunId)).toEqual(["wfr_1", "wfr_2", "wfr_3"]);
    expect(report.pages).toBe(3);
  });

  it.each(["reset-after", "malformed-json", "wrong-shape", "500", "503"] as const)(
    "never repeats a bulk request whose answer was lost (%s, every attempt): each call loses at most one page, and says how many runs",
    async (kind) => {
      const { emulator, engine } = await emulatorEngine({ entries: 300 });
      emulator.inject({ kind, times: Number.POSITIVE_INFINITY, after: 1, match: (r) => r.method === "POST" });
      let continuation: ActionPlan["continuation"];
      for (let call = 0; call < 3; call++) {
        const before = emulator.resumed.length;
        const report = await runAction(
          all({ count: 20, ...(continuation ? { continuation } : {}) }),
          engine.scope(),
        );
        const during = emulator.resumed.slice(before);
        const reported = new Set(report.workflowRuns.map((run) => run.workflowRunId));
        const silent = during.filter((record) => !reported.has(record.workflowRunId));
        expect(report.stopReason).toBe("error");
        expect(silent.length).toBeLessThanOrEqual(20);
        if (silent.length > 0) {
          expect(report.unreportedPossible).toBe(true);
          expect(report.unreportedAtMost).toBeGreaterThanOrEqual(silent.length);
        }
        expect(report.unreportedAtMost).toBeLessThanOrEqual(20);
        expect(report.continuation).toBeDefined();
        continuation = report.continuation;
      }
      // Three calls, each with one page through and one lost at most: never more than that left the DLQ.
      expect(emulator.resumed.length).toBeLessThanOrEqual(3 * 40);
    },
  );

  it("never resumes an entry that entered the DLQ after the operation began, in the call or its continuations", async () => {
    const { emulator, engine } = await emulatorEngine({
      entries: 240,
      now: Date.now() - 60_000,
      refail: { share: 1 },
    });
    const original = new Set(emulator.store.list().map((message) => message.dlqId));
    const first = await runAction(all({ count: 10, maxPages: 5 }), engine.scope());
    expect(first.stopReason).toBe("maxPages");
    expect(first.snapshot).toBeGreaterThan(0);
    const rest = await runAction(
      all({ count: 10, ...(first.continuation ? { continuation: first.continuation } : {}) }),
      engine.scope(),
    );
    expect(rest.stopReason).toBe("done");
    expect(rest.snapshot).toBe(first.snapshot);
    const resumed = emulator.resumed.map((record) => record.dlqId);
    expect(resumed.filter((id) => !original.has(id))).toEqual([]);
    expect(new Set(resumed)).toEqual(original);
    // Every resumed run failed again: the DLQ now holds exactly the re-entered ones, untouched.
    expect(emulator.store.size).toBe(original.size);
  });

  it("cuts a request off at the deadline even after garbage collection", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const engine = await scriptedEngine(({ method }, res) => {
      if (method === "GET") return json(res, 200, LIST_ONE);
      // The resume request hangs: QStash never answers.
    });
    const started = Date.now();
    const pending = runAction(all(), engine.scope({ deadlineMs: 200, cutoffMs: 300 }));
    const collector = setInterval(gc, 20);
    const report = await pending.finally(() => clearInterval(collector));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(report).toMatchObject({ stopReason: "deadline", unreportedPossible: true });
    expect(report.continuation).toBeDefined();
  });
});

describe("listing", () => {
  it("obeys the call deadline", async () => {
    const { engine } = await emulatorEngine({ latencyMs: 80 });
    const taken: string[] = [];
    const report = await runList({ count: 10, maxPages: 100 }, engine.scope({ deadlineMs: 300 }), {
      add: (message) => {
        taken.push(message.dlqId);
        return true;
      },
    });
    expect(report.stopReason).toBe("deadline");
    expect(report.pages).toBeLessThan(10);
    expect(report.continuation?.next).toBeTruthy();
  });

  it("stops at a cursor cycle A → B → A", async () => {
    const cursors = ["A", "B", "A"];
    const engine = await scriptedEngine(({ index }, res) =>
      json(res, 200, { messages: [{ dlqId: `dlq_${index}`, createdAt: 1 }], cursor: cursors[index] }),
    );
    const report = await runList({ count: 1, maxPages: 100 }, engine.scope(), { add: () => true });
    expect(report).toMatchObject({ stopReason: "error", pages: 3, returned: 3 });
    expect(report.error?.message).toMatch(/already returned/);
  });

  it("continues a listing cut short mid-page from the entry where it stopped", async () => {
    const { engine } = await emulatorEngine({});
    const seen: string[] = [];
    const take = (limit: number) => ({
      add: (message: { dlqId: string }) => {
        if (seen.length >= limit) return false;
        seen.push(message.dlqId);
        return true;
      },
    });
    const first = await runList({ count: 50, maxPages: 10 }, engine.scope(), take(30));
    expect(first).toMatchObject({ stopReason: "resultSize", returned: 30 });
    expect(first.continuation?.after).toMatchObject({ dlqIds: [seen[29]], index: 30 });
    const rest = await runList(
      { count: 50, maxPages: 10, ...(first.continuation?.after ? { after: first.continuation.after } : {}) },
      engine.scope(),
      take(1_000),
    );
    expect(rest.stopReason).toBe("done");
    expect(new Set(seen).size).toBe(200);
    expect(seen).toHaveLength(200);
  });
});
