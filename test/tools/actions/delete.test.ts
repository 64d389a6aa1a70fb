/**
 * dlq_delete: entries removed without running, by id, filter or all, with the action engine's
 * guarantees. QStash's answer only counts what it removed, so the server keeps what it asked
 * for: every result names the dlqIds it deleted, and a filter or all is listed first, inside its
 * snapshot, so that even those are named.
 */
import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../../src/wire/types.js";
import { FIXED_NOW, hasLabel } from "../../support/data.js";
import { textOf, useFixture } from "../../support/harness.js";

interface DeleteResult {
  mode: string;
  deletedIds: string[];
  deleted: number;
  complete: boolean;
  cursor?: string;
  stopReason: string;
  scanned?: number;
  notFound?: string[];
  probablyDeleted?: string[];
  unreportedPossible?: boolean;
  workflowRuns?: unknown;
  preview?: { matched: number; matchedIsLowerBound: boolean };
}

const data = (result: { structuredContent?: unknown }) => result.structuredContent as DeleteResult;
const DELETES = (r: { method: string; path: string }) =>
  r.method === "DELETE" && r.path === "/v2/workflows/dlq";

describe("dlq_delete", () => {
  const fixture = useFixture({ entries: 150, seed: 9, now: FIXED_NOW });
  const ids = (messages: readonly DlqMessage[]) => messages.map((message) => message.dlqId);

  it("deletes a list of ids 50 a request, names each one, and names an id that is not there", async () => {
    // 100 ids, so the missing one is alone in its request (50 a request): a count of 0 says it was
    // not there, where a short count for several ids would not say which (id-list-regressions.test.ts).
    const chosen = ids(fixture.emulator.store.list().slice(0, 100));
    const result = await fixture.call("dlq_delete", { dlqIds: [...chosen, "dlq_not_there"] });
    expect(result.isError).toBeFalsy();
    expect(data(result)).toMatchObject({
      mode: "ids",
      deleted: 100,
      complete: true,
      notFound: ["dlq_not_there"],
    });
    expect([...data(result).deletedIds].sort()).toEqual([...chosen].sort());
    expect(data(result).workflowRuns).toBeUndefined();
    expect(textOf(result)).toMatch(/^Deleted 100 entries in /);
    const left = new Set(ids(fixture.emulator.store.list()));
    expect(chosen.some((id) => left.has(id))).toBe(false);
    expect(left.size).toBe(50);
    // Nothing ran: a delete starts no run.
    expect(fixture.emulator.resumed).toEqual([]);
    const sent = fixture.emulator.requests.filter(DELETES);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const request of sent) {
      expect(request.query.filter(([key]) => key === "dlqIds").length).toBeLessThanOrEqual(50);
    }
  });

  it("lists a filter's entries inside a snapshot and deletes them by id, naming every one", async () => {
    const label = fixture.emulator.store.list().find((message) => message.label)?.label as string;
    const matching = ids(fixture.emulator.store.list().filter((message) => hasLabel(message, label)));
    expect(matching.length).toBeGreaterThan(1);
    const result = await fixture.call("dlq_delete", { filter: { label } });
    expect(data(result)).toMatchObject({ mode: "filter", deleted: matching.length, complete: true });
    expect([...data(result).deletedIds].sort()).toEqual([...matching].sort());
    expect(fixture.emulator.store.list().filter((message) => hasLabel(message, label))).toEqual([]);
    expect(fixture.emulator.store.size).toBe(150 - matching.length);
    // Listed with the snapshot bound, deleted by id only: never by filter, which names nothing.
    const lists = fixture.emulator.requests.filter((r) => r.method === "GET");
    expect(lists.some((r) => r.query.some(([key]) => key === "toDate"))).toBe(true);
    for (const request of fixture.emulator.requests.filter(DELETES)) {
      expect(request.query.every(([key]) => key === "dlqIds")).toBe(true);
    }
  });

  it("deletes every entry with all: true, continued by cursor, nothing twice, nothing unnamed", async () => {
    const before = ids(fixture.emulator.store.list());
    const deleted: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    for (; calls < 20; calls++) {
      const result = await fixture.call("dlq_delete", {
        all: true,
        count: 40,
        maxPages: 1,
        ...(cursor ? { cursor } : {}),
      });
      expect(result.isError).toBeFalsy();
      expect(data(result).deleted).toBe(data(result).deletedIds.length);
      deleted.push(...data(result).deletedIds);
      cursor = data(result).cursor;
      if (!cursor) break;
    }
    expect(calls).toBeGreaterThan(2);
    expect(deleted).toHaveLength(150);
    expect(new Set(deleted)).toEqual(new Set(before));
    expect(fixture.emulator.store.size).toBe(0);
  });

  it("leaves entries that entered the DLQ after the operation began to a new one", async () => {
    const first = await fixture.call("dlq_delete", { all: true, count: 50, maxPages: 1 });
    const cursor = data(first).cursor as string;
    expect(cursor).toBeTruthy();
    const late = {
      ...(fixture.emulator.store.list()[0] as DlqMessage),
      dlqId: "dlq_late",
      createdAt: Date.now() + 1_000,
    };
    fixture.emulator.store.load([late]);
    let next: string | undefined = cursor;
    while (next) {
      const result = await fixture.call("dlq_delete", { all: true, count: 50, maxPages: 1, cursor: next });
      expect(data(result).deletedIds).not.toContain("dlq_late");
      next = data(result).cursor;
    }
    expect(ids(fixture.emulator.store.list())).toEqual(["dlq_late"]);
  });

  it("previews with dryRun and deletes nothing", async () => {
    const label = fixture.emulator.store.list().find((message) => message.label)?.label as string;
    const matching = fixture.emulator.store.list().filter((message) => hasLabel(message, label)).length;
    const result = await fixture.call("dlq_delete", { filter: { label }, dryRun: true });
    expect(textOf(result)).toMatch(/^Dry run, nothing deleted: /);
    expect(data(result).preview).toMatchObject({ matched: matching, matchedIsLowerBound: false });
    expect(fixture.emulator.store.size).toBe(150);
    expect(fixture.emulator.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it.each([
    [{ dlqIds: ["dlq_a"], all: true }, /exactly one of dlqIds, filter and all/],
    [{}, /Pass dlqIds .*, filter .* or all: true to dlq_delete/],
    [{ all: true, flowControl: { key: "k", rate: 1 } }, /Unknown argument\(s\) flowControl for dlq_delete/],
    [
      { dlqIds: ["dlq_a"], where: { responseStatus: [422] } },
      /where narrows a filter or all: true, not dlqIds/,
    ],
  ])("refuses %j with a tool error that names the fix, sending nothing", async (args, message) => {
    const result = await fixture.call("dlq_delete", args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests).toEqual([]);
  });

  it("takes no cursor of dlq_restart: a cursor is bound to its tool", async () => {
    const restarted = await fixture.call("dlq_restart", { all: true, count: 10, maxPages: 1 });
    const cursor = data(restarted).cursor as string;
    const result = await fixture.call("dlq_delete", { all: true, count: 10, cursor });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/cursor/);
  });
});

describe("dlq_delete when an answer is lost", () => {
  const fixture = useFixture({ entries: 120, seed: 9, now: FIXED_NOW });

  it("reports the ids that left the DLQ as probably deleted, and sends the rest again", async () => {
    const chosen = fixture.emulator.store
      .list()
      .slice(0, 10)
      .map((message) => message.dlqId);
    fixture.emulator.inject({ kind: "reset-after", match: DELETES });
    const result = await fixture.call("dlq_delete", { dlqIds: chosen });
    expect([...(data(result).probablyDeleted ?? [])].sort()).toEqual([...chosen].sort());
    expect(data(result).deletedIds).toEqual([]);
    expect(textOf(result)).toMatch(/most likely deleted by it/);
    expect(fixture.emulator.store.list().filter((message) => chosen.includes(message.dlqId))).toEqual([]);
  });

  it("by filter, names what a lost page removed and continues with what is still there", async () => {
    const before = fixture.emulator.store.list().map((message) => message.dlqId);
    fixture.emulator.inject({ kind: "reset-after", match: DELETES, after: 1 });
    const named: string[] = [];
    let cursor: string | undefined;
    for (let calls = 0; calls < 10; calls++) {
      const result = await fixture.call("dlq_delete", { all: true, ...(cursor ? { cursor } : {}) });
      named.push(...data(result).deletedIds, ...(data(result).probablyDeleted ?? []));
      expect(data(result).unreportedPossible).toBeFalsy();
      cursor = data(result).cursor;
      if (!cursor) break;
    }
    expect(new Set(named)).toEqual(new Set(before));
    expect(named).toHaveLength(before.length);
    expect(fixture.emulator.store.size).toBe(0);
  });
});
