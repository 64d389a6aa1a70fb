import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { call, ids, message, NOW, nth, TOKEN } from "./helpers.js";

const RESUME = "/v2/workflows/dlq/resume";
const LIST = "/v2/workflows/dlq";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN, entries: 300, seed: 9, now: NOW });
});
afterEach(() => emu.close());

async function drainWith(
  method: string,
  path: string,
  query: [string, string][],
): Promise<{ pages: unknown[]; requests: number }> {
  const pages: unknown[] = [];
  let cursor: string | undefined;
  let requests = 0;
  do {
    const q: [string, string][] = [...query];
    if (cursor !== undefined) q.push(["cursor", cursor]);
    const res = await call(emu, method, path, { query: q });
    expect(res.status, res.text).toBe(200);
    pages.push(res.json);
    cursor = res.json.cursor;
    requests++;
    if (requests > 1000) throw new Error("cursor never ran out");
  } while (cursor !== undefined);
  return { pages, requests };
}

describe("resume all", () => {
  it("pages with count and cursor until exhausted, resuming every entry exactly once", async () => {
    const before = emu.store.list();
    const { pages, requests } = await drainWith("POST", RESUME, [["count", "7"]]);
    expect(requests).toBe(Math.ceil(300 / 7));
    for (const page of pages as { workflowRuns: unknown[] }[])
      expect(page.workflowRuns.length).toBeLessThanOrEqual(7);
    const resumedIds = emu.resumed.map((r) => r.dlqId);
    expect(resumedIds).toEqual(before.map((m) => m.dlqId));
    expect(new Set(resumedIds).size).toBe(300);
    expect(emu.store.size).toBe(0);
    const runs = (pages as { workflowRuns: { workflowRunId: string }[] }[]).flatMap((p) => p.workflowRuns);
    expect(runs.map((r) => r.workflowRunId)).toEqual(emu.resumed.map((r) => r.workflowRunId));
    expect(emu.resumed.map((r) => r.originalWorkflowRunId)).toEqual(before.map((m) => m.workflowRunId));
  });

  it("resumes as many as the count says, and everything matching without one, as the OpenAPI has it", async () => {
    const counted = await call(emu, "POST", RESUME, { query: [["count", "70"]] });
    expect(counted.json.workflowRuns).toHaveLength(70);
    expect(typeof counted.json.cursor).toBe("string");
    const uncounted = await call(emu, "POST", RESUME);
    expect(uncounted.json.workflowRuns).toHaveLength(230);
    expect(uncounted.json).not.toHaveProperty("cursor");
    expect(emu.store.size).toBe(0);
  });

  it("restarts at most 50 per request whatever the count, the cap the OpenAPI states for restart", async () => {
    const big = await call(emu, "POST", "/v2/workflows/dlq/restart", { query: [["count", "500"]] });
    expect(big.json.workflowRuns).toHaveLength(50);
    expect(typeof big.json.cursor).toBe("string");
    const dflt = await call(emu, "POST", "/v2/workflows/dlq/restart");
    expect(dflt.json.workflowRuns).toHaveLength(50);
    expect(emu.store.size).toBe(200);
  });

  it("returns no cursor when the page ends exactly at the last match", async () => {
    emu.reset({ entries: 100 });
    const first = await call(emu, "POST", RESUME, { query: [["count", "50"]] });
    expect(first.json.cursor).toBeDefined();
    const second = await call(emu, "POST", RESUME, {
      query: [
        ["count", "50"],
        ["cursor", first.json.cursor],
      ],
    });
    expect(second.json.workflowRuns).toHaveLength(50);
    expect(second.json).not.toHaveProperty("cursor");
    const empty = await call(emu, "POST", RESUME, { query: [["count", "50"]] });
    // Nothing left: QStash leaves the empty run list out too.
    expect(empty.json).toEqual({});
  });

  it("pages a filter the same way and leaves non-matching entries", async () => {
    const matching = emu.store.list().filter((m) => m.label === "checkout" || m.labels?.includes("checkout"));
    expect(matching.length).toBeGreaterThan(10);
    const { requests } = await drainWith("POST", RESUME, [
      ["label", "checkout"],
      ["count", "4"],
    ]);
    expect(requests).toBe(Math.ceil(matching.length / 4));
    expect(emu.resumed.map((r) => r.dlqId)).toEqual(matching.map((m) => m.dlqId));
    expect(emu.store.size).toBe(300 - matching.length);
  });

  it("keeps the resume order stable when entries share a createdAt", async () => {
    const at = NOW - 1000;
    const tied = ["dlq_c", "dlq_a", "dlq_b", "dlq_d"].map((dlqId) => message({ dlqId, createdAt: at }));
    emu.reset({ messages: tied });
    const { pages } = await drainWith("POST", RESUME, [["count", "1"]]);
    expect(pages).toHaveLength(4);
    // Newest first, and within one millisecond by dlqId the same way round.
    expect(emu.resumed.map((r) => r.dlqId)).toEqual(["dlq_d", "dlq_c", "dlq_b", "dlq_a"]);
  });

  it("rejects a cursor it did not issue with 400 and resumes nothing", async () => {
    for (const cursor of ["not-a-cursor", Buffer.from('{"x":1}').toString("base64url"), "%%%"]) {
      const res = await call(emu, "POST", RESUME, { query: [["cursor", cursor]] });
      expect(res.status, cursor).toBe(400);
      expect(res.json.error).toContain("cursor");
    }
    expect(emu.resumed).toEqual([]);
  });
});

describe("list", () => {
  it("returns full messages in order, clamping count to 100, until the cursor runs out", async () => {
    const { pages, requests } = await drainWith("GET", LIST, [["count", "500"]]);
    expect(requests).toBe(3);
    const messages = (pages as { messages: DlqMessage[] }[]).flatMap((p) => p.messages);
    expect((pages[0] as { messages: unknown[] }).messages).toHaveLength(100);
    expect(messages).toEqual(emu.store.list());
    expect(emu.store.size).toBe(300);
  });

  it("serves the official client's path GET /v2/dlq?source=workflow identically", async () => {
    const a = await call(emu, "GET", LIST, {
      query: [
        ["count", "30"],
        ["label", "payments"],
      ],
    });
    const b = await call(emu, "GET", "/v2/dlq", {
      query: [
        ["source", "workflow"],
        ["count", "30"],
        ["label", "payments"],
      ],
    });
    expect(b.status).toBe(200);
    expect(b.json).toEqual(a.json);
    const next = await call(emu, "GET", "/v2/dlq", {
      query: [
        ["source", "workflow"],
        ["cursor", b.json.cursor],
      ],
    });
    expect(next.json.messages[0]).not.toEqual(b.json.messages[0]);
  });

  it("uses 100 as the default page size", async () => {
    const res = await call(emu, "GET", LIST);
    expect(res.json.messages).toHaveLength(100);
  });

  it("keeps a cursor valid while entries before it are resumed", async () => {
    const all = emu.store.list();
    const first = await call(emu, "GET", LIST, { query: [["count", "10"]] });
    const resumed = await call(emu, "POST", RESUME, { query: ids(...all.slice(0, 10).map((m) => m.dlqId)) });
    expect(resumed.status).toBe(200);
    const second = await call(emu, "GET", LIST, {
      query: [
        ["count", "10"],
        ["cursor", first.json.cursor],
      ],
    });
    expect(second.json.messages.map((m: DlqMessage) => m.dlqId)).toEqual(
      all.slice(10, 20).map((m) => m.dlqId),
    );
  });
});

describe("order", () => {
  const keysOf = (messages: DlqMessage[]) => messages.map((m) => [m.createdAt, m.dlqId] as const);
  const newerFirst = (a: readonly [number, string], b: readonly [number, string]) =>
    a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

  it("lists newest first, and a cursor continues toward older entries", async () => {
    const { pages } = await drainWith("GET", LIST, [["count", "40"]]);
    const keys = keysOf((pages as { messages: DlqMessage[] }[]).flatMap((p) => p.messages));
    expect(keys).toHaveLength(300);
    for (let i = 1; i < keys.length; i++) expect(newerFirst(nth(keys, i - 1), nth(keys, i))).toBe(true);
  });

  it("puts new failures before a cursor, never on the pages after it", async () => {
    const first = await call(emu, "GET", LIST, { query: [["count", "10"]] });
    const newest = nth(emu.store.list(), 0);
    emu.store.add([message({ dlqId: "dlq_arrived", createdAt: newest.createdAt + 1 })]);
    const second = await call(emu, "GET", LIST, {
      query: [
        ["count", "10"],
        ["cursor", first.json.cursor],
      ],
    });
    expect(second.json.messages.map((m: DlqMessage) => m.dlqId)).toEqual(
      emu.store
        .list()
        .slice(11, 21)
        .map((m) => m.dlqId),
    );
    const again = await call(emu, "GET", LIST, { query: [["count", "1"]] });
    expect(again.json.messages[0].dlqId).toBe("dlq_arrived");
  });

  it("lists oldest first with newestFirst off", async () => {
    const tidy = await startEmulator({
      token: TOKEN,
      entries: 30,
      seed: 9,
      now: NOW,
      quirks: { newestFirst: false },
    });
    try {
      const res = await call(tidy, "GET", LIST, { query: [["count", "10"]] });
      const next = await call(tidy, "GET", LIST, { query: [["cursor", res.json.cursor]] });
      const keys = keysOf([...res.json.messages, ...next.json.messages]);
      expect(keys).toHaveLength(30);
      for (let i = 1; i < keys.length; i++) expect(newerFirst(nth(keys, i), nth(keys, i - 1))).toBe(true);
    } finally {
      await tidy.close();
    }
  });
});

describe("get one", () => {
  it("returns the message or 404", async () => {
    const target = nth(emu.store.list(), 123);
    const res = await call(emu, "GET", `${LIST}/${target.dlqId}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(target);
    const missing = await call(emu, "GET", `${LIST}/dlq_nope`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: "DLQ message not found" });
  });
});

describe("bulk delete", () => {
  it("deletes the ids it finds and counts them", async () => {
    const a = nth(emu.store.list(), 0);
    const b = nth(emu.store.list(), 1);
    const c = nth(emu.store.list(), 2);
    const missing = await call(emu, "DELETE", LIST, { query: ids(a.dlqId, "dlq_nope") });
    expect(missing.status).toBe(200);
    expect(missing.json).toEqual({ deleted: 1 });
    expect(emu.store.size).toBe(299);
    const ok = await call(emu, "DELETE", LIST, { query: ids(b.dlqId, c.dlqId) });
    expect(ok.json).toEqual({ deleted: 2 });
    expect(emu.store.get(a.dlqId)).toBeUndefined();
    expect(emu.resumed).toEqual([]);
  });

  it("deletes every id it names in one request, beyond 100, with no cursor and none accepted", async () => {
    const named = emu.store
      .list()
      .slice(0, 150)
      .map((m) => m.dlqId);
    const withCursor = await call(emu, "DELETE", LIST, { query: [...ids(...named), ["cursor", "abc"]] });
    expect(withCursor.status).toBe(400);
    expect(withCursor.json.error).toMatch(/cursor/);
    expect(emu.store.size).toBe(300);
    const res = await call(emu, "DELETE", LIST, { query: ids(...named) });
    expect(res.json).toEqual({ deleted: 150 });
    expect(emu.store.size).toBe(150);
  });

  it("deletes everything page by page with the cursor", async () => {
    const { pages } = await drainWith("DELETE", LIST, [["count", "40"]]);
    expect((pages as { deleted: number }[]).map((p) => p.deleted)).toEqual([40, 40, 40, 40, 40, 40, 40, 20]);
    expect(emu.store.size).toBe(0);
  });
});
