import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DlqMessage } from "../../../src/wire/types.js";
import { FIXED_NOW, hasLabel, SEED_OPTIONS, seededMessages } from "../../support/data.js";
import { type Fixture, startFixture, textOf, useFixture } from "../../support/harness.js";

interface Listed {
  messages: Record<string, unknown>[];
  returned: number;
  pages: number;
  complete: boolean;
  cursor?: string;
  stopReason: string;
}

const messages = seededMessages();
const longBody = messages.find((message) => (message.responseBody?.length ?? 0) > 400) as DlqMessage;

describe("dlq_list", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(SEED_OPTIONS);
  });
  afterAll(() => fixture.close());

  const list = async (args: Record<string, unknown>) => {
    const result = await fixture.call("dlq_list", args);
    expect(result.isError).toBeFalsy();
    return result.structuredContent as unknown as Listed;
  };

  it("returns compact messages without headers or request bodies by default", async () => {
    const data = await list({ count: 10 });
    expect(data).toMatchObject({ returned: 10, pages: 1, complete: false, stopReason: "maxPages" });
    const firstMessage = data.messages[0] as Record<string, unknown>;
    // Newest first, as QStash lists.
    const source = messages.at(-1) as DlqMessage;
    expect(firstMessage).toMatchObject({
      dlqId: source.dlqId,
      workflowRunId: source.workflowRunId,
      workflowUrl: source.workflowUrl,
      createdAt: source.createdAt,
      responseStatus: source.responseStatus,
    });
    for (const message of data.messages) {
      expect(message).not.toHaveProperty("header");
      expect(message).not.toHaveProperty("responseHeader");
      expect(message).not.toHaveProperty("body");
    }
    expect(JSON.stringify(data)).not.toMatch(/sk_live_/);
  });

  it("cuts long response bodies to a preview and says so", async () => {
    expect(longBody).toBeDefined();
    const data = await list({ filter: { workflowRunId: longBody.workflowRunId } });
    const message = data.messages.find((m) => m.dlqId === longBody.dlqId) as Record<string, unknown>;
    expect((message.responseBody as string).length).toBeLessThanOrEqual(301);
    expect(message.responseBodyTruncated).toBe(true);
  });

  it("returns headers and full bodies only when asked", async () => {
    const data = await list({
      filter: { workflowRunId: longBody.workflowRunId },
      includeHeaders: true,
      includeBodies: true,
    });
    const message = data.messages.find((m) => m.dlqId === longBody.dlqId) as Record<string, unknown>;
    expect(message.header).toEqual(longBody.header);
    expect(message.responseBody).toBe(longBody.responseBody);
  });

  it("pages with a cursor until the DLQ is listed completely, each message once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const data = await list({ count: 40, ...(cursor ? { cursor } : {}) });
      seen.push(...data.messages.map((message) => message.dlqId as string));
      cursor = data.cursor;
    } while (cursor);
    expect(seen).toHaveLength(messages.length);
    expect(new Set(seen).size).toBe(messages.length);
  });

  it("follows several pages in one call when maxPages allows", async () => {
    const data = await list({ count: 50, maxPages: 5, idsOnly: true });
    expect(data).toMatchObject({ returned: messages.length, pages: 3, complete: true, stopReason: "done" });
    expect(data.cursor).toBeUndefined();
  });

  it("filters by label and date and leaves the DLQ untouched", async () => {
    const label = messages.find((message) => message.label)?.label as string;
    const fromDate = (messages[60] as DlqMessage).createdAt;
    const expected = messages.filter((m) => hasLabel(m, label) && m.createdAt >= fromDate);
    const data = await list({ filter: { label, fromDate }, count: 100 });
    expect(data.messages.map((message) => message.dlqId).sort()).toEqual(expected.map((m) => m.dlqId).sort());
    expect(fixture.emulator.store.size).toBe(messages.length);
    expect(fixture.emulator.resumed).toHaveLength(0);
  });

  it("summarises the page in one line", async () => {
    const result = await fixture.call("dlq_list", { count: 3 });
    expect(textOf(result).split("\n")[0]).toMatch(
      /^Listed 3 DLQ messages in 1 request\. More remain: call again with the same selection and cursor "wdlq1\./,
    );
  });
});

describe("dlq_list continued while the DLQ changes", () => {
  const fixture = useFixture({ entries: 300, seed: 11, now: FIXED_NOW });

  it("lists every entry once when entries arrive and leave between calls", async () => {
    const start = fixture.emulator.store.list().map((message) => message.dlqId);
    const seen: string[] = [];
    const gone = new Set<string>();
    let cursor: string | undefined;
    let calls = 0;
    let arrived = 0;
    do {
      const result = await fixture.call("dlq_list", { count: 100, ...(cursor ? { cursor } : {}) });
      expect(result.isError).toBeFalsy();
      const data = result.structuredContent as unknown as Listed;
      const listed = data.messages.map((message) => message.dlqId as string);
      seen.push(...listed);
      cursor = data.cursor;
      calls += 1;
      // Between calls the agent resumes the last few it saw (the entry the call stopped after
      // among them), and new failures keep arriving.
      for (const id of listed.slice(-4)) {
        fixture.emulator.store.delete(id);
        gone.add(id);
      }
      const newest = fixture.emulator.store.list()[0] as DlqMessage;
      fixture.emulator.store.add(
        Array.from({ length: 12 }, () => ({
          ...newest,
          dlqId: `dlq_arrived_${arrived}`,
          createdAt: FIXED_NOW + ++arrived,
        })),
      );
    } while (cursor && calls < 40);
    expect(cursor).toBeUndefined();
    // The result bound cut pages short, so calls continued mid-page.
    expect(calls).toBeGreaterThan(300 / 100);
    expect(seen.length - new Set(seen).size, "entries listed twice").toBe(0);
    const listed = new Set(seen);
    expect(
      start.filter((id) => !gone.has(id) && !listed.has(id)),
      "entries never listed",
    ).toEqual([]);
  });
});
