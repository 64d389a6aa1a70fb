/**
 * where: selection by what QStash cannot filter on, matched by this server on the entries it
 * lists: the failed step's status (codes and classes), text in its response body, its URL.
 */
import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../../src/wire/types.js";
import { FIXED_NOW } from "../../support/data.js";
import { textOf, useFixture } from "../../support/harness.js";

interface Listed {
  returned: number;
  scanned?: number;
  dlqIds?: string[];
  cursor?: string;
  complete: boolean;
}

const data = (result: { structuredContent?: unknown }) => result.structuredContent as Listed;
const bodyOf = (message: DlqMessage) =>
  message.responseBody ?? Buffer.from(message.responseBodyBase64 ?? "", "base64").toString("utf8");

describe("dlq_list with where", () => {
  const fixture = useFixture({ entries: 240, seed: 12, now: FIXED_NOW });
  const all = () => fixture.emulator.store.list();
  const idsWhere = (keep: (message: DlqMessage) => boolean) =>
    all()
      .filter(keep)
      .map((message) => message.dlqId);
  const listAll = async (args: Record<string, unknown>) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    let scanned = 0;
    for (let calls = 0; calls < 20; calls++) {
      const result = await fixture.call("dlq_list", {
        ...args,
        idsOnly: true,
        count: 100,
        maxPages: 1,
        ...(cursor ? { cursor } : {}),
      });
      expect(result.isError).toBeFalsy();
      ids.push(...(data(result).dlqIds ?? []));
      scanned += data(result).scanned ?? 0;
      cursor = data(result).cursor;
      if (!cursor) break;
    }
    return { ids, scanned };
  };

  it("matches status codes and classes, over every page, reading each entry once", async () => {
    const { ids, scanned } = await listAll({ where: { responseStatus: ["5xx", 429] } });
    const expected = idsWhere(
      (m) => m.responseStatus === 429 || Math.floor((m.responseStatus ?? 0) / 100) === 5,
    );
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.length).toBeLessThan(all().length);
    expect(ids).toEqual(expected);
    expect(scanned).toBe(all().length);
  });

  it("matches text in the response body whatever its case, with QStash's filter applied first", async () => {
    const label = all().find((m) => m.label)?.label as string;
    const { ids } = await listAll({ filter: { label }, where: { responseBodyContains: "TOO MANY" } });
    const expected = idsWhere(
      (m) =>
        (m.label === label || Boolean(m.labels?.includes(label))) &&
        bodyOf(m).toLowerCase().includes("too many"),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(ids).toEqual(expected);
  });

  it("matches the failed step's URL by its start", async () => {
    const url = all().find((m) => m.url)?.url as string;
    const prefix = url.slice(0, url.lastIndexOf("/") + 1);
    const { ids } = await listAll({ where: { failedStepUrl: prefix } });
    expect(ids).toEqual(idsWhere((m) => (m.url ?? "").startsWith(prefix)));
    expect(ids.length).toBeGreaterThan(0);
  });

  it("says how many entries it read for the ones it returns", async () => {
    const result = await fixture.call("dlq_list", {
      where: { responseStatus: [422] },
      count: 100,
      maxPages: 1,
    });
    expect(textOf(result)).toMatch(/^Listed \d+ DLQ messages? \(100 entries read, these matched where\)/);
  });

  it("binds its cursor to the where it matched: another where cannot continue it", async () => {
    const first = await fixture.call("dlq_list", {
      where: { responseStatus: ["5xx"] },
      count: 50,
      maxPages: 1,
    });
    const cursor = data(first).cursor as string;
    expect(cursor).toBeTruthy();
    const other = await fixture.call("dlq_list", { where: { responseStatus: ["4xx"] }, count: 50, cursor });
    expect(other.isError).toBe(true);
  });

  it.each([
    [{ responseStatus: [700] }, /HTTP codes \(503\) and classes \("5xx"\), not 700/],
    [{ responseStatus: ["5XX"] }, /not "5XX"/],
    [{ responseStatus: 503 }, /is a list of HTTP codes and classes/],
    [{}, /where is empty/],
    [
      { status: [503] },
      /Unknown argument\(s\) status for where\. It takes responseStatus, responseBodyContains, failedStepUrl\. at where$/,
    ],
  ])("refuses where %j with a message naming the fix, before any request", async (where, message) => {
    const result = await fixture.call("dlq_list", { where });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests).toEqual([]);
  });
});

describe("a where cursor", () => {
  const fixture = useFixture({ entries: 240, seed: 12, now: FIXED_NOW });

  it("continues the same where however its statuses are ordered, and names where when it cannot", async () => {
    const first = await fixture.call("dlq_list", {
      where: { responseStatus: [503, "4xx"] },
      count: 50,
      maxPages: 1,
    });
    const cursor = data(first).cursor as string;
    expect(cursor).toBeTruthy();
    const same = await fixture.call("dlq_list", {
      where: { responseStatus: ["4xx", 503, 503] },
      count: 50,
      cursor,
    });
    expect(same.isError).toBeFalsy();
    const other = await fixture.call("dlq_list", { where: { responseStatus: ["5xx"] }, count: 50, cursor });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/This cursor belongs to a different filter and where/);
  });

  it("is among the arguments dlq_list names when one is misspelt", async () => {
    const result = await fixture.call("dlq_list", { whre: { responseStatus: [500] } });
    expect(textOf(result)).toMatch(/It takes filter, where, count/);
  });
});

describe("actions with where", () => {
  const fixture = useFixture({ entries: 240, seed: 12, now: FIXED_NOW });
  const all = () => fixture.emulator.store.list();
  const is5xx = (m: DlqMessage) => Math.floor((m.responseStatus ?? 0) / 100) === 5;
  const RESUMES = (r: { path: string }) => r.path === "/v2/workflows/dlq/resume";

  it("resumes the 5xx runs of a label at a rate in one call, by id, and leaves the rest", async () => {
    const label = all().find((m) => m.label)?.label as string;
    const ofLabel = all().filter((m) => m.label === label || Boolean(m.labels?.includes(label)));
    const expected = ofLabel.filter(is5xx).map((m) => m.dlqId);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(ofLabel.length);
    const preview = await fixture.call("dlq_resume", {
      filter: { label },
      where: { responseStatus: ["5xx"] },
      dryRun: true,
    });
    expect((preview.structuredContent as { preview: { matched: number } }).preview.matched).toBe(
      expected.length,
    );
    expect(fixture.emulator.resumed).toEqual([]);

    const result = await fixture.call("dlq_resume", {
      filter: { label },
      where: { responseStatus: ["5xx"] },
      flowControl: { key: "billing-redrive-1", rate: 10, period: "1s" },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ resumed: expected.length, complete: true });
    expect(fixture.emulator.resumed.map((r) => r.dlqId).sort()).toEqual([...expected].sort());
    expect(fixture.emulator.resumed.every((r) => r.flowControlKey === "billing-redrive-1")).toBe(true);
    // QStash cannot filter an action by status: every resume request names its ids.
    const sent = fixture.emulator.requests.filter(RESUMES);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) {
      expect(request.query.every(([key]) => key === "dlqIds")).toBe(true);
      expect(request.headers["upstash-flow-control-value"]).toBe("rate=10, period=1s");
    }
    const left = new Set(all().map((m) => m.dlqId));
    expect(ofLabel.filter((m) => !is5xx(m)).every((m) => left.has(m.dlqId))).toBe(true);
  });

  it("deletes what a body says must not run again, and restarts by the failed step's URL", async () => {
    const fulfilled = all()
      .filter((m) => bodyOf(m).toLowerCase().includes("already"))
      .map((m) => m.dlqId);
    expect(fulfilled.length).toBeGreaterThan(0);
    expect(fulfilled.length).toBeLessThan(240);
    const deleted = await fixture.call("dlq_delete", {
      all: true,
      where: { responseBodyContains: "ALREADY" },
    });
    const deletedIds = (deleted.structuredContent as { deletedIds: string[] }).deletedIds;
    expect(deletedIds.sort()).toEqual([...fulfilled].sort());
    expect((deleted.structuredContent as { scanned: number }).scanned).toBe(240);

    const url = all().find((m) => m.url)?.url as string;
    const prefix = url.slice(0, url.lastIndexOf("/") + 1);
    const matching = all()
      .filter((m) => (m.url ?? "").startsWith(prefix))
      .map((m) => m.dlqId);
    expect(matching.length).toBeGreaterThan(0);
    const restarted = await fixture.call("dlq_restart", { all: true, where: { failedStepUrl: prefix } });
    expect(restarted.structuredContent).toMatchObject({ restarted: matching.length });
    expect(fixture.emulator.resumed.map((r) => r.dlqId).sort()).toEqual([...matching].sort());
    expect(fixture.emulator.resumed.every((r) => r.action === "restart")).toBe(true);
  });

  it("continues by cursor across pages, acting on each match once", async () => {
    const expected = all()
      .filter(is5xx)
      .map((m) => m.dlqId);
    let cursor: string | undefined;
    let calls = 0;
    for (; calls < 30; calls++) {
      const result = await fixture.call("dlq_resume_all", {
        where: { responseStatus: ["5xx"] },
        count: 30,
        maxPages: 1,
        ...(cursor ? { cursor } : {}),
      });
      expect(result.isError).toBeFalsy();
      cursor = (result.structuredContent as { cursor?: string }).cursor;
      if (!cursor) break;
    }
    expect(calls).toBeGreaterThan(3);
    expect(fixture.emulator.resumed.map((r) => r.dlqId).sort()).toEqual([...expected].sort());
  });

  it("binds its cursor to the where: the same call with another where cannot continue it", async () => {
    const first = await fixture.call("dlq_resume_all", {
      where: { responseStatus: ["5xx"] },
      count: 30,
      maxPages: 1,
    });
    const cursor = (first.structuredContent as { cursor: string }).cursor;
    expect(cursor).toBeTruthy();
    const before = fixture.emulator.requests.length;
    const other = await fixture.call("dlq_resume_all", {
      where: { responseStatus: ["4xx"] },
      count: 30,
      cursor,
    });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/different selection and where/);
    expect(fixture.emulator.requests.length).toBe(before);
  });
});

describe("a where redrive whose runs fail again", () => {
  const fixture = useFixture({ entries: 200, seed: 12, now: FIXED_NOW, refail: { share: 1 } });

  it("never takes a run's re-entry in the same operation: the snapshot holds for listed selections", async () => {
    const expected = fixture.emulator.store
      .list()
      .filter((m) => Math.floor((m.responseStatus ?? 0) / 100) === 5)
      .map((m) => m.dlqId);
    let cursor: string | undefined;
    for (let calls = 0; calls < 40; calls++) {
      const result = await fixture.call("dlq_resume_all", {
        where: { responseStatus: ["5xx"] },
        count: 25,
        maxPages: 1,
        ...(cursor ? { cursor } : {}),
      });
      cursor = (result.structuredContent as { cursor?: string }).cursor;
      if (!cursor) break;
    }
    expect(cursor).toBeUndefined();
    expect(fixture.emulator.resumed.map((r) => r.dlqId).sort()).toEqual([...expected].sort());
  });
});
