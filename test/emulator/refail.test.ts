import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { call, defined, ids, message, NOW, nth, TOKEN } from "./helpers.js";

const RESUME = "/v2/workflows/dlq/resume";
const LIST = "/v2/workflows/dlq";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: Partial<EmulatorOptions>): Promise<Emulator> {
  emu = await startEmulator({ token: TOKEN, now: NOW, ...options });
  return emu;
}

/** The entry a resumed record re-entered the DLQ as. */
function reentryOf(e: Emulator, record: Emulator["resumed"][number]): DlqMessage {
  return defined(e.store.get(defined(record.refailedAs, "refailedAs")), "re-entry");
}

async function resumeAll(e: Emulator): Promise<void> {
  for (let pages = 0; ; pages++) {
    if (pages > 100) throw new Error("resume all never ended");
    const res = await call(e, "POST", RESUME, { query: [["count", "50"]] });
    expect(res.status).toBe(200);
    // QStash leaves an empty run list out of its answer.
    if ((res.json.workflowRuns ?? []).length === 0) return;
  }
}

describe("without refail", () => {
  it("never sends a resumed run back to the DLQ", async () => {
    const e = await start({ entries: 120, seed: 3 });
    await resumeAll(e);
    expect(e.store.size).toBe(0);
    expect(e.resumed).toHaveLength(120);
    expect(e.resumed.every((r) => r.refailedAs === undefined)).toBe(true);
  });
});

describe("refail share 1", () => {
  it("sends every resumed run back as a new entry: new dlqId, its new run, the same failed step", async () => {
    const e = await start({ entries: 20, seed: 2, refail: { share: 1 } });
    const before = e.store.list();
    const picked = [nth(before, 4), nth(before, 11)];
    const res = await call(e, "POST", RESUME, { query: ids(...picked.map((m) => m.dlqId)) });
    expect(res.status).toBe(200);
    expect(e.store.size).toBe(20);
    const arrivedAt = nth(e.requests, -1).at;

    picked.forEach((original, index) => {
      const record = nth(e.resumed, index);
      const run = res.json.workflowRuns[index];
      expect(record).toMatchObject({ dlqId: original.dlqId, originalWorkflowRunId: original.workflowRunId });
      expect(run).toEqual({
        workflowRunId: record.workflowRunId,
        workflowCreatedAt: record.workflowCreatedAt,
      });
      expect(e.store.get(original.dlqId)).toBeUndefined();

      const entry = reentryOf(e, record);
      expect(entry.dlqId).toMatch(/^dlq_[A-Za-z0-9]{22}$/);
      expect(before.map((m) => m.dlqId)).not.toContain(entry.dlqId);
      expect(entry.workflowRunId).toBe(run.workflowRunId);
      expect(entry.workflowCreatedAt).toBe(run.workflowCreatedAt);
      expect(entry.createdAt).toBeGreaterThan(arrivedAt);
      expect(entry.createdAt).toBeGreaterThan(entry.workflowCreatedAt ?? Number.POSITIVE_INFINITY);
      expect(entry.messageId).toMatch(/^msg_/);
      expect(entry.messageId).not.toBe(original.messageId);
      expect(entry.header?.["Upstash-Workflow-Runid"]).toEqual([run.workflowRunId]);
      const same = <T extends object>(m: T) => {
        const {
          dlqId: _d,
          messageId: _m,
          workflowRunId: _r,
          workflowCreatedAt: _w,
          createdAt: _c,
          header,
          ...rest
        } = m as DlqMessage;
        const { "Upstash-Workflow-Runid": _h, ...otherHeaders } = header ?? {};
        return { ...rest, header: otherHeaders };
      };
      expect(same(entry)).toEqual(same(original));
    });
  });

  it("lists the re-entries, which can be resumed again as runs of their own", async () => {
    const e = await start({ entries: 5, seed: 2, refail: { share: 1 } });
    const first = nth(e.store.list(), 0);
    await call(e, "POST", RESUME, { query: ids(first.dlqId) });
    const reentered = defined(nth(e.resumed, 0).refailedAs);
    const listed = await call(e, "GET", LIST);
    expect(listed.json.messages.map((m: DlqMessage) => m.dlqId)).toContain(reentered);
    const one = await call(e, "GET", `${LIST}/${reentered}`);
    expect(one.json.workflowRunId).toBe(nth(e.resumed, 0).workflowRunId);

    const again = await call(e, "POST", `${RESUME}/${reentered}`);
    expect(again.status).toBe(200);
    const second = nth(e.resumed, 1);
    expect(second).toMatchObject({
      dlqId: reentered,
      originalWorkflowRunId: nth(e.resumed, 0).workflowRunId,
    });
    expect(again.json.workflowRunId).toBe(second.workflowRunId);
    expect(new Set([first.workflowRunId, nth(e.resumed, 0).workflowRunId, second.workflowRunId]).size).toBe(
      3,
    );
    expect(reentryOf(e, second).dlqId).not.toBe(reentered);
  });

  it("puts a re-entry in the DLQ before the answer, never on a later page of the same bulk resume newest first", async () => {
    const at = NOW - 60_000;
    const messages = ["dlq_a", "dlq_b", "dlq_c", "dlq_d"].map((dlqId, i) =>
      message({ dlqId, createdAt: at + i }),
    );
    const e = await start({ messages, refail: { share: 1 } });
    const one = await call(e, "POST", RESUME, { query: [["count", "2"]] });
    expect(e.store.list().map((m) => m.dlqId)).toEqual(
      expect.arrayContaining(["dlq_a", "dlq_b", ...e.resumed.map((r) => defined(r.refailedAs))]),
    );
    const two = await call(e, "POST", RESUME, {
      query: [
        ["count", "2"],
        ["cursor", one.json.cursor],
      ],
    });
    // The re-entries are newer than the cursor: the walk toward older entries never meets them.
    expect(two.json.cursor).toBeUndefined();
    expect(e.resumed.map((r) => r.dlqId)).toEqual(["dlq_d", "dlq_c", "dlq_b", "dlq_a"]);
    expect(e.store.size).toBe(4);
  });

  it("oldest first, puts a re-entry where the next page of the same bulk resume finds it", async () => {
    const at = NOW - 60_000;
    const messages = ["dlq_a", "dlq_b", "dlq_c", "dlq_d"].map((dlqId, i) =>
      message({ dlqId, createdAt: at + i }),
    );
    const e = await start({ messages, refail: { share: 1 }, quirks: { newestFirst: false } });
    const page = async (cursor?: string) => {
      const query: [string, string][] = [["count", "2"]];
      if (cursor) query.push(["cursor", cursor]);
      const res = await call(e, "POST", RESUME, { query });
      expect(res.status).toBe(200);
      return res.json as { workflowRuns: unknown[]; cursor?: string };
    };
    const one = await page();
    expect(e.store.list().map((m) => m.dlqId)).toEqual(
      expect.arrayContaining(["dlq_c", "dlq_d", ...e.resumed.map((r) => defined(r.refailedAs))]),
    );
    const two = await page(one.cursor);
    expect(two.cursor).toBeDefined();
    await page(two.cursor);
    expect(e.resumed.slice(0, 4).map((r) => r.dlqId)).toEqual(["dlq_a", "dlq_b", "dlq_c", "dlq_d"]);
    // The third page takes the first page's re-entries, in the server's order.
    expect(new Set(e.resumed.slice(4).map((r) => r.dlqId))).toEqual(
      new Set([nth(e.resumed, 0).refailedAs, nth(e.resumed, 1).refailedAs]),
    );
  });

  it("has the re-entry in the DLQ while the answer is still on its way", async () => {
    const e = await start({ entries: 5, seed: 2, refail: { share: 1 } });
    const target = nth(e.store.list(), 0);
    e.inject({ kind: "slow", delayMs: 400 });
    const pending = call(e, "POST", RESUME, { query: ids(target.dlqId) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(e.store.size).toBe(5);
    expect(e.store.has(defined(nth(e.resumed, 0).refailedAs))).toBe(true);
    expect((await pending).status).toBe(200);
  });

  it("keeps the failed step's entry but under the resume's overrides", async () => {
    const e = await start({ entries: 5, seed: 2, refail: { share: 1 } });
    const target = nth(e.store.list(), 0);
    await call(e, "POST", RESUME, {
      query: ids(target.dlqId),
      headers: {
        "Upstash-Retries": "1",
        "Upstash-Flow-Control-Key": "redrive-1",
        "Upstash-Flow-Control-Value": "parallelism=2",
      },
    });
    const entry = reentryOf(e, nth(e.resumed, 0));
    expect(entry).toMatchObject({
      maxRetries: 1,
      flowControlKey: "redrive-1",
      workflowUrl: target.workflowUrl,
    });
  });

  it("is kept across reset()", async () => {
    const e = await start({ entries: 10, seed: 2, refail: { share: 1 } });
    e.reset();
    await call(e, "POST", RESUME, { query: ids(nth(e.store.list(), 0).dlqId) });
    expect(e.store.size).toBe(10);
    expect(nth(e.resumed, 0).refailedAs).toBeDefined();
    e.reset({ seed: 5 });
    await call(e, "POST", RESUME, { query: [["count", "3"]] });
    expect(e.resumed.filter((r) => r.refailedAs !== undefined)).toHaveLength(3);
  });
});

describe("a partial refail share", () => {
  const refailedOriginals = (e: Emulator) =>
    e.resumed.filter((r) => r.refailedAs !== undefined).map((r) => r.dlqId);

  it("sends back about that share of runs, the same ones for the same seed", async () => {
    const a = await start({ entries: 300, seed: 8, refail: { share: 0.3, seed: 42 } });
    const names = a.store.list().map((m) => m.dlqId);
    // In two different orders: which runs fail again must not depend on how they were resumed.
    await call(a, "POST", RESUME, { query: ids(...names) });
    const failedA = refailedOriginals(a);
    expect(failedA.length).toBeGreaterThan(60);
    expect(failedA.length).toBeLessThan(120);
    expect(a.store.size).toBe(failedA.length);

    const b = await startEmulator({
      token: TOKEN,
      now: NOW,
      entries: 300,
      seed: 8,
      refail: { share: 0.3, seed: 42 },
    });
    const c = await startEmulator({
      token: TOKEN,
      now: NOW,
      entries: 300,
      seed: 8,
      refail: { share: 0.3, seed: 43 },
    });
    try {
      await call(b, "POST", RESUME, { query: ids(...names.toReversed()) });
      expect(new Set(refailedOriginals(b))).toEqual(new Set(failedA));
      await call(c, "POST", RESUME, { query: ids(...names) });
      expect(new Set(refailedOriginals(c))).not.toEqual(new Set(failedA));
    } finally {
      await Promise.all([b.close(), c.close()]);
    }
  });

  it("still drains: resume all until nothing is left ends, with the re-entries resumed too", async () => {
    const e = await start({ entries: 200, seed: 8, refail: { share: 0.2 } });
    await resumeAll(e);
    expect(e.store.size).toBe(0);
    const reentered = e.resumed.flatMap((r) => (r.refailedAs ? [r.refailedAs] : []));
    expect(reentered.length).toBeGreaterThan(0);
    expect(e.resumed).toHaveLength(200 + reentered.length);
    const resumedIds = new Set(e.resumed.map((r) => r.dlqId));
    for (const id of reentered) expect(resumedIds.has(id)).toBe(true);
  });

  it("applies to the single-entry form too", async () => {
    const e = await start({ entries: 40, seed: 8, refail: { share: 0.5 } });
    for (const m of e.store.list()) await call(e, "POST", `${RESUME}/${m.dlqId}`);
    const failed = refailedOriginals(e);
    expect(failed.length).toBeGreaterThan(5);
    expect(failed.length).toBeLessThan(35);
    expect(e.store.size).toBe(failed.length);
  });
});
