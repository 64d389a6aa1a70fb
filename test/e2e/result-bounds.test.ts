/**
 * Results fit an agent's context: every result's text within the bound (40,000 characters by
 * default), its first block within 1,500, and a call that would outgrow it stops early with a
 * cursor that continues exactly where it stopped. Nothing resumed is lost on the way: every run
 * is in a result, or in a resource the same session can read.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { connectHttp } from "../support/clients.js";
import { FIXED_NOW, seededMessages } from "../support/data.js";
import { resumeData, TEST_TOKEN, textChars, textOf, useFixture } from "../support/harness.js";
import { startHttpServer } from "../support/http-server.js";

function expectBounded(result: CallToolResult, bound = 40_000) {
  expect(textChars(result)).toBeLessThanOrEqual(bound);
  expect((result.content[0] as { text: string }).text.length).toBeLessThanOrEqual(1_500);
}

interface Listed {
  messages?: { dlqId: string; truncated?: boolean; body?: string }[];
  dlqIds?: string[];
  cursor?: string;
  returned: number;
  stopReason: string;
  summary?: { entries: number; byWorkflowUrl: unknown[]; byLabel: unknown[]; otherGroups?: number };
}

const big = (index: number): DlqMessage => ({
  dlqId: `dlq_big${String(index).padStart(3, "0")}`,
  workflowRunId: `wfr_big${index}`,
  workflowUrl: `https://api.acme-shop.example/api/workflows/w${index % 40}`,
  createdAt: FIXED_NOW - 1_000_000 + index * 1_000,
  label: `label-${index % 30}`,
  responseStatus: 500,
  body: "x".repeat(60_000),
  responseBody: "y".repeat(5_000),
  header: { Authorization: ["Bearer end-user-secret"], "Content-Type": ["application/json"] },
});

describe("results within their bound, over stdio", () => {
  const fixture = useFixture({ entries: 600, seed: 13, now: FIXED_NOW });

  async function listAll(args: Record<string, unknown>): Promise<{ ids: string[]; calls: Listed[] }> {
    const ids: string[] = [];
    const calls: Listed[] = [];
    let cursor: string | undefined;
    do {
      const result = await fixture.call("dlq_list", { ...args, ...(cursor ? { cursor } : {}) });
      expect(result.isError).toBeFalsy();
      expectBounded(result);
      const data = result.structuredContent as unknown as Listed;
      calls.push(data);
      ids.push(...(data.messages?.map((message) => message.dlqId) ?? data.dlqIds ?? []));
      cursor = data.cursor;
    } while (cursor && calls.length < 100);
    return { ids, calls };
  }

  it("stops a large listing early and continues it without gaps or repeats", async () => {
    const { ids, calls } = await listAll({ count: 100, maxPages: 100 });
    expect(calls.length).toBeGreaterThan(1);
    expect(calls[0]?.stopReason).toBe("resultSize");
    expect(ids).toHaveLength(600);
    expect(new Set(ids).size).toBe(600);
    expect(ids).toEqual(fixture.emulator.store.list().map((message) => message.dlqId));
  });

  it("cuts huge bodies to fit, and still lists every entry once", async () => {
    fixture.emulator.reset({ messages: Array.from({ length: 30 }, (_, index) => big(index)) });
    const { ids, calls } = await listAll({
      count: 100,
      maxPages: 10,
      includeBodies: true,
      includeHeaders: true,
    });
    expect(new Set(ids).size).toBe(30);
    expect(ids).toHaveLength(30);
    expect(calls.flatMap((call) => call.messages ?? []).some((message) => message.truncated)).toBe(true);
  });

  it("lists only ids when asked, hundreds in one small result", async () => {
    const result = await fixture.call("dlq_list", { count: 100, maxPages: 10, idsOnly: true });
    expectBounded(result, 20_000);
    const data = result.structuredContent as unknown as Listed;
    expect(data.dlqIds).toHaveLength(600);
    expect(data.messages).toBeUndefined();
  });

  it("summarises thousands of entries in a small result", async () => {
    fixture.emulator.reset({ entries: 3_000, seed: 13, now: FIXED_NOW });
    const result = await fixture.call("dlq_list", { count: 100, maxPages: 30, summary: true });
    expectBounded(result, 10_000);
    const data = result.structuredContent as unknown as Listed;
    expect(data.summary?.entries).toBe(3_000);
    expect(data.messages?.length).toBeLessThanOrEqual(5);
  });

  it("keeps a large resume's result small and its whole report in a resource", async () => {
    const result = await fixture.call("dlq_resume_all", { count: 50, maxPages: 20 });
    expectBounded(result);
    const data = resumeData(result);
    expect(data.resumed).toBe(600);
    expect(data.workflowRunsTruncated).toBe(true);
    const read = await fixture.client.readResource({ uri: data.workflowRunsResource as string });
    const report = JSON.parse((read.contents[0] as { text: string }).text) as {
      workflowRuns: { workflowRunId: string }[];
    };
    expect(new Set(report.workflowRuns.map((run) => run.workflowRunId))).toEqual(
      new Set(fixture.emulator.resumed.map((record) => record.workflowRunId)),
    );
  });
});

describe("results within their bound, over stateless HTTP", () => {
  let emulator: Emulator;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    emulator = await startEmulator({
      token: TEST_TOKEN,
      messages: seededMessages({ entries: 600, seed: 17 }),
    });
    server = await startHttpServer(["--max-result-chars", "10000"], {
      QSTASH_URL: emulator.url,
      QSTASH_TOKEN: TEST_TOKEN,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await emulator?.close();
  });

  it("stops before a result would outgrow the bound, listing every run it resumed inline", async () => {
    const client = await connectHttp(server.url);
    try {
      const reported: string[] = [];
      let cursor: string | undefined;
      let calls = 0;
      do {
        const result = (await client.callTool({
          name: "dlq_resume_all",
          arguments: { count: 50, maxPages: 100, ...(cursor ? { cursor } : {}) },
        })) as CallToolResult;
        calls += 1;
        expectBounded(result, 10_000);
        expect(result.content.some((part) => part.type === "resource_link")).toBe(false);
        const data = resumeData(result);
        expect(data.workflowRuns).toHaveLength(data.resumed);
        expect(textOf(result)).not.toMatch(/journal has/);
        reported.push(...data.workflowRuns.map((run) => run.workflowRunId));
        cursor = data.cursor;
        if (cursor) expect(data.stopReason).toBe("resultSize");
      } while (cursor && calls < 50);
      expect(calls).toBeGreaterThan(1);
      expect(reported).toHaveLength(600);
      expect(new Set(reported)).toEqual(new Set(emulator.resumed.map((record) => record.workflowRunId)));
      expect(emulator.store.size).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("keeps an id list's results within the bound too, though its batches go out together", async () => {
    const messages = seededMessages({ entries: 400, seed: 21 });
    emulator.reset({ messages });
    const client = await connectHttp(server.url);
    try {
      const dlqIds = messages.map((message) => message.dlqId);
      const reported: string[] = [];
      let cursor: string | undefined;
      for (let calls = 0; calls < 40; calls++) {
        const result = (await client.callTool({
          name: "dlq_resume",
          arguments: { dlqIds, maxPages: 100, ...(cursor ? { cursor } : {}) },
        })) as CallToolResult;
        expectBounded(result, 10_000);
        const data = resumeData(result);
        expect(data.workflowRuns).toHaveLength(data.resumed);
        reported.push(...data.workflowRuns.map((run) => run.workflowRunId));
        cursor = data.cursor;
        if (!cursor) break;
      }
      expect(reported).toHaveLength(400);
      expect(new Set(reported)).toEqual(new Set(emulator.resumed.map((record) => record.workflowRunId)));
      expect(server.stderr()).not.toMatch(/over the bound/);
    } finally {
      await client.close();
    }
  });
});
