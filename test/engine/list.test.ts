/**
 * A listing cut mid-page and continued in a later call, while the DLQ changes in between: new
 * failures arrive and entries leave (resumed, deleted), in QStash's order (newest first) and
 * oldest first. Every entry in the DLQ from the first call to the last is listed exactly once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { type ListAnchor, runList } from "../../src/engine/list.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { engineFor, json, scriptedServer } from "../support/engine.js";

const TOKEN = "engine_token_list_6d";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const entry = (n: number, createdAt: number): DlqMessage => ({
  dlqId: `dlq_${String(n).padStart(4, "0")}`,
  workflowRunId: `wfr_${n}`,
  createdAt,
  responseStatus: 500,
});

async function listing(messages: DlqMessage[], newestFirst: boolean) {
  const emulator = await startEmulator({ token: TOKEN, messages, quirks: { newestFirst } });
  const engine = engineFor(emulator.url, TOKEN, { timeoutMs: 2_000 });
  cleanups.push(
    () => emulator.close(),
    () => engine.close(),
  );
  const seen: string[] = [];
  let from: string | undefined;
  let after: ListAnchor | undefined;
  let done = false;
  /** One dlq_list call: at most `room` entries fit in its result. */
  const call = async (room: number) => {
    let taken = 0;
    const report = await runList(
      { count: 20, maxPages: 50, ...(from ? { from } : {}), ...(after ? { after } : {}) },
      engine.scope(),
      {
        add: (message) => {
          if (taken >= room) return false;
          taken += 1;
          seen.push(message.dlqId);
          return true;
        },
      },
    );
    from = report.continuation?.next;
    after = report.continuation?.after;
    done = report.continuation === undefined;
    return report;
  };
  return { emulator, seen, call, done: () => done };
}

/** Entries there from the start to the end must each be listed once; none twice. */
function expectEachOnce(seen: string[], stayed: Iterable<string>) {
  expect(seen.length - new Set(seen).size, "entries listed twice").toBe(0);
  const listed = new Set(seen);
  expect(
    [...stayed].filter((id) => !listed.has(id)),
    "entries never listed",
  ).toEqual([]);
}

describe.each([
  ["newest first", true],
  ["oldest first", false],
])("a listing continued across changes, %s", (_, newestFirst) => {
  const base = FIXED_NOW - 1_000_000;

  it("lists each entry once when entries arrive between calls", async () => {
    const start = Array.from({ length: 100 }, (_, i) => entry(i, base + i * 10));
    const { emulator, seen, call, done } = await listing(start, newestFirst);
    let n = 1_000;
    for (let round = 0; !done() && round < 50; round++) {
      await call(7);
      // New failures, newer than everything: newest first they land on the first page.
      emulator.store.add(Array.from({ length: 5 }, () => entry(n, base + 10_000 + n++)));
    }
    expect(done()).toBe(true);
    expectEachOnce(
      seen,
      start.map((m) => m.dlqId),
    );
  });

  it("lists each entry once when entries it returned, and others, leave between calls", async () => {
    const start = Array.from({ length: 100 }, (_, i) => entry(i, base + i * 10));
    const { emulator, seen, call, done } = await listing(start, newestFirst);
    const gone = new Set<string>();
    for (let round = 0; !done() && round < 50; round++) {
      const before = seen.length;
      await call(7);
      // What was just listed is resumed (the anchor with it), and so is one entry not yet listed.
      const listedNow = seen.slice(before);
      const ahead = emulator.store.list().find((m) => !seen.includes(m.dlqId));
      for (const id of [...listedNow.slice(-3), ...(ahead ? [ahead.dlqId] : [])]) {
        emulator.store.delete(id);
        gone.add(id);
      }
    }
    expect(done()).toBe(true);
    expectEachOnce(
      seen,
      start.map((m) => m.dlqId).filter((id) => !gone.has(id)),
    );
  });

  it("tells apart entries of one millisecond when the anchor among them left", async () => {
    // Runs of ten entries sharing a millisecond, so cuts fall inside them.
    const start = Array.from({ length: 80 }, (_, i) => entry(i, base + Math.floor(i / 10) * 10));
    const { emulator, seen, call, done } = await listing(start, newestFirst);
    const gone = new Set<string>();
    for (let round = 0; !done() && round < 50; round++) {
      await call(6);
      const anchor = seen.at(-1) as string;
      emulator.store.delete(anchor);
      gone.add(anchor);
      emulator.store.add([entry(5_000 + round, base + 100_000 + round)]);
    }
    expect(done()).toBe(true);
    expectEachOnce(
      seen,
      start.map((m) => m.dlqId).filter((id) => !gone.has(id)),
    );
  });
});

describe("a listing continued across a flood of new failures, newest first", () => {
  it("finds its place on a later page when new entries pushed it off the first", async () => {
    const base = FIXED_NOW - 1_000_000;
    const start = Array.from({ length: 60 }, (_, i) => entry(i, base + i * 10));
    const { emulator, seen, call, done } = await listing(start, true);
    await call(5);
    // More new failures than a page holds arrive before the next call.
    emulator.store.add(Array.from({ length: 45 }, (_, i) => entry(2_000 + i, base + 50_000 + i)));
    while (!done()) await call(15);
    expectEachOnce(
      seen,
      start.map((m) => m.dlqId),
    );
    expect(seen.filter((id) => Number(id.slice(4)) >= 2_000)).toEqual([]);
  });
});

describe("a listing continued on a page QStash sent oddly", () => {
  async function scripted(pages: () => unknown[]) {
    const server = await scriptedServer((_, res) => json(res, 200, { messages: pages() }));
    const engine = engineFor(server.url, TOKEN, { timeoutMs: 2_000 });
    cleanups.push(
      () => server.close(),
      () => engine.close(),
    );
    return engine;
  }
  const takeAtMost = (room: number, seen: string[]) => ({
    add: (message: { dlqId: string }) => {
      if (seen.length >= room) return false;
      seen.push(message.dlqId);
      return true;
    },
  });

  it("goes on after the anchor's id when times cannot be read, or from where it was cut", async () => {
    let page = ["a", "b", "c", "d"].map((id) => ({ dlqId: `dlq_${id}`, createdAt: "soon" }));
    const engine = await scripted(() => page);
    const seen: string[] = [];
    const first = await runList({ count: 10, maxPages: 1 }, engine.scope(), takeAtMost(2, seen));
    const after = first.continuation?.after as ListAnchor;
    expect(after).toEqual({ dlqIds: ["dlq_b"], index: 2 });
    // One entry before the anchor left: the anchor still places the cut.
    page = page.filter((message) => message.dlqId !== "dlq_a");
    await runList({ count: 10, maxPages: 1, after }, engine.scope(), takeAtMost(10, seen));
    expect(seen).toEqual(["dlq_a", "dlq_b", "dlq_c", "dlq_d"]);
  });

  it("keeps a cursor small whatever the ids: a long one is left out, and its millisecond read as taken", async () => {
    const long = `dlq_${"x".repeat(5_000)}`;
    const page = [
      { dlqId: "dlq_new", createdAt: 3 },
      { dlqId: long, createdAt: 2 },
      { dlqId: "dlq_tied", createdAt: 2 },
      { dlqId: "dlq_old", createdAt: 1 },
    ];
    const engine = await scripted(() => page);
    const seen: string[] = [];
    const first = await runList({ count: 10, maxPages: 1 }, engine.scope(), takeAtMost(3, seen));
    expect(first.continuation?.after).toEqual({
      dlqIds: ["dlq_tied"],
      createdAt: 2,
      allAtTime: true,
      order: "newestFirst",
      index: 3,
    });
  });
});
