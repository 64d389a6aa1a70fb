/**
 * The official client against the emulator, with nothing in between: every call it can make to
 * the DLQ endpoints the emulator serves must be understood, and the answers must be what the
 * client expects.
 */
import { Client as WorkflowClient } from "@upstash/workflow";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { defined, NOW, nth, TOKEN } from "./helpers.js";

let emu: Emulator;
let client: WorkflowClient;
let all: DlqMessage[];
beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, entries: 200, seed: 6, now: NOW });
  client = new WorkflowClient({ baseUrl: emu.url, token: TOKEN });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.clearRequests();
  all = emu.store.list();
  // The client logs every failed request to the console; the tests check the failures themselves.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const hasLabel = (m: DlqMessage, label: string) => m.label === label || Boolean(m.labels?.includes(label));

describe("@upstash/workflow dlq.list", () => {
  it("lists through /v2/dlq?source=workflow and pages with the cursor", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.dlq.list({ count: 70, ...(cursor ? { cursor } : {}) });
      seen.push(...page.messages.map((m) => m.dlqId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((m) => m.dlqId));
    expect(emu.requests.every((r) => r.path === "/v2/dlq" && r.status === 200)).toBe(true);
    expect(nth(emu.requests, 0).query).toContainEqual(["source", "workflow"]);
  });

  it("is understood with every filter field the client offers, one at a time and all together", async () => {
    const sample = defined(all.find((m) => m.label !== undefined && m.flowControlKey !== undefined));
    const filters: Record<string, unknown>[] = [
      { workflowUrl: sample.workflowUrl },
      { workflowUrl: [sample.workflowUrl, "https://elsewhere.example/wf"] },
      { workflowRunId: sample.workflowRunId },
      { workflowCreatedAt: sample.workflowCreatedAt },
      { label: sample.label },
      { label: ["payments", "checkout"] },
      { callerIp: [sample.callerIP, "192.0.2.1"] },
      { flowControlKey: sample.flowControlKey },
      { failureFunctionState: "CALLBACK_FAIL" },
      { fromDate: new Date(sample.createdAt), toDate: sample.createdAt },
      { url: sample.url },
      { responseStatus: sample.responseStatus },
    ];
    for (const filter of filters) {
      const listed = await client.dlq.list({ filter } as never);
      expect(listed.messages.length, JSON.stringify(filter)).toBeGreaterThan(0);
    }
    const together = await client.dlq.list({
      filter: {
        workflowUrl: [sample.workflowUrl],
        workflowRunId: sample.workflowRunId,
        workflowCreatedAt: sample.workflowCreatedAt,
        label: [defined(sample.label), "nightly-batch"],
        callerIp: sample.callerIP,
        flowControlKey: [defined(sample.flowControlKey)],
        fromDate: sample.createdAt,
        toDate: new Date(sample.createdAt),
        url: sample.url,
        responseStatus: sample.responseStatus,
      },
    } as never);
    expect(together.messages.map((m) => m.dlqId)).toEqual([sample.dlqId]);
    expect(emu.requests.every((r) => r.status === 200)).toBe(true);
  });

  it("serves the top-level failureFunctionState the client's newer types describe", async () => {
    const listed = await client.dlq.list({
      filter: { failureFunctionState: "CALLBACK_SUCCESS" },
      count: 100,
    });
    expect(listed.messages.length).toBeGreaterThan(0);
    for (const m of listed.messages as DlqMessage[]) expect(m.failureFunctionState).toBe("CALLBACK_SUCCESS");
  });

  it("fails loudly on a misspelt filter field instead of listing everything", async () => {
    await expect(client.dlq.list({ filter: { lable: "payments" } } as never)).rejects.toThrow(/lable/);
    expect(nth(emu.requests, -1).status).toBe(400);
  });
});

describe("@upstash/workflow dlq.resume and dlq.delete", () => {
  it("resumes a long id list in the one request the client sends, each as a new run", async () => {
    const picked = all.slice(0, 120).map((m) => m.dlqId);
    const runs = await client.dlq.resume(picked);
    expect(emu.requests).toHaveLength(1);
    expect(runs.workflowRuns).toHaveLength(120);
    expect(runs.cursor).toBeUndefined();
    expect(runs.workflowRuns.map((r) => r.workflowRunId)).toEqual(emu.resumed.map((r) => r.workflowRunId));
    expect(emu.resumed.map((r) => r.dlqId)).toEqual(picked);
    const original = new Set(all.map((m) => m.workflowRunId));
    expect(runs.workflowRuns.some((r) => original.has(r.workflowRunId))).toBe(false);
  });

  it("resumes by several labels, paging with count and cursor", async () => {
    const matching = all.filter((m) => hasLabel(m, "payments") || hasLabel(m, "onboarding"));
    let cursor: string | undefined;
    let resumed = 0;
    do {
      const page = await client.dlq.resume({
        filter: { label: ["payments", "onboarding"] },
        count: 20,
        ...(cursor ? { cursor } : {}),
      });
      resumed += page.workflowRuns.length;
      cursor = page.cursor;
    } while (cursor);
    expect(resumed).toBe(matching.length);
    expect(emu.resumed.map((r) => r.dlqId)).toEqual(matching.map((m) => m.dlqId));
  });

  it("sends flow control and retries the emulator accepts, and a period beyond a week it refuses", async () => {
    const [first, second] = all;
    await client.dlq.resume(defined(first).dlqId, {
      retries: 2,
      flowControl: { key: "redrive.1", rate: 10, period: 604_800 },
    });
    expect(nth(emu.resumed, 0)).toMatchObject({ retries: 2, flowControlValue: "rate=10, period=604800s" });
    await expect(
      client.dlq.resume(defined(second).dlqId, { flowControl: { key: "redrive.1", rate: 10, period: "8d" } }),
    ).rejects.toThrow(/period/);
    expect(emu.store.has(defined(second).dlqId)).toBe(true);
  });

  it("deletes by ids with no cursor, and by filter and all page by page", async () => {
    const byIds = await client.dlq.delete(all.slice(0, 150).map((m) => m.dlqId));
    expect(byIds).toEqual({ deleted: 150, cursor: undefined });
    const byFilter = await client.dlq.delete({
      filter: { callerIp: ["203.0.113.10", "203.0.113.24"] },
      count: 5,
    });
    expect(byFilter.deleted).toBe(5);
    expect(byFilter.cursor).toBeDefined();
    let cursor: string | undefined;
    do {
      const page = await client.dlq.delete({ all: true, ...(cursor ? { cursor } : {}) });
      cursor = page.cursor;
    } while (cursor);
    expect(emu.store.size).toBe(0);
  });
});

describe("@upstash/workflow dlq.restart", () => {
  it("restarts one id, a list, by filter page by page, and records each as a restart", async () => {
    const [first, second, third] = all;
    const one = await client.dlq.restart({ dlqId: defined(first).dlqId });
    expect(one.workflowRunId).toMatch(/^wfr_/);
    const listed = await client.dlq.restart({ dlqId: [defined(second).dlqId, defined(third).dlqId] });
    expect(listed).toHaveLength(2);
    const label = defined(all.find((m) => m.label !== undefined)).label as string;
    const matching = emu.store.list({ label: [label] }).length;
    let restarted = 0;
    let cursor: string | undefined;
    do {
      const page = await client.dlq.restart({ filter: { label }, count: 20, ...(cursor ? { cursor } : {}) });
      restarted += page.workflowRuns.length;
      cursor = page.cursor;
    } while (cursor);
    expect(restarted).toBe(matching);
    expect(emu.resumed.every((record) => record.action === "restart")).toBe(true);
    expect(emu.resumed).toHaveLength(3 + matching);
    expect(emu.requests.every((r) => r.path === "/v2/workflows/dlq/restart" && r.status === 200)).toBe(true);
  });

  it("gives a restarted run a different id from the same entry resumed", async () => {
    const entry = defined(all[0]).dlqId;
    const restarted = await client.dlq.restart({ dlqId: entry });
    emu.reset();
    const resumed = await client.dlq.resume({ dlqId: entry });
    expect(restarted.workflowRunId).not.toBe(resumed.workflowRunId);
  });
});

describe("@upstash/workflow dlq.delete", () => {
  it("deletes a list of ids, then by filter with the cursor, answering {deleted, cursor}", async () => {
    const [first, second] = all;
    expect(await client.dlq.delete([defined(first).dlqId, defined(second).dlqId])).toMatchObject({
      deleted: 2,
    });
    const label = defined(all.find((m) => m.label !== undefined)).label as string;
    const matching = emu.store.list({ label: [label] }).length;
    let deleted = 0;
    let cursor: string | undefined;
    do {
      const page = await client.dlq.delete({ filter: { label }, count: 15, ...(cursor ? { cursor } : {}) });
      deleted += page.deleted;
      cursor = page.cursor;
    } while (cursor);
    expect(deleted).toBe(matching);
    expect(emu.store.list({ label: [label] })).toEqual([]);
    expect(emu.resumed).toEqual([]);
  });
});

describe("@upstash/workflow dlq.retryFailureFunction", () => {
  it("retries a failed callback, leaving the entry in the DLQ with its callback in progress", async () => {
    const failed = defined(
      all.find((m) => (m.failureFunctionState ?? m.failureCallbackInfo?.state) === "CALLBACK_FAIL"),
    );
    const answer = await client.dlq.retryFailureFunction({ dlqId: failed.dlqId });
    expect(answer.workflowRunId).toBe(failed.workflowRunId);
    const after = defined(emu.store.get(failed.dlqId));
    expect(after.failureFunctionState).toBe("CALLBACK_INPROGRESS");
    expect(after.failureCallbackInfo?.state).toBe("CALLBACK_INPROGRESS");
    expect(emu.store.callbackRetries.map((retry) => retry.dlqId)).toEqual([failed.dlqId]);
    // Now in progress: a second retry is refused.
    await expect(client.dlq.retryFailureFunction({ dlqId: failed.dlqId })).rejects.toThrow(
      /already in progress/,
    );
  });

  it.each([
    ["no failure callback", undefined, /not found for this message/],
    ["a callback that succeeded", "CALLBACK_SUCCESS", /already succeeded/],
    ["a cancelled callback", "CALLBACK_CANCELED", /cannot be retried in state CALLBACK_CANCELED/],
  ] as const)("refuses %s with 400", async (_, state, message) => {
    const entry = defined(all[0]);
    const stored = defined(emu.store.get(entry.dlqId));
    delete stored.failureCallbackInfo;
    delete stored.failureFunctionState;
    if (state) {
      stored.failureFunctionState = state;
      stored.failureCallbackInfo = { state };
    }
    await expect(client.dlq.retryFailureFunction({ dlqId: entry.dlqId })).rejects.toThrow(message);
    expect(emu.requests.at(-1)?.status).toBe(400);
    expect(emu.store.callbackRetries).toEqual([]);
  });

  it("answers 404 for an entry not in the DLQ", async () => {
    await expect(client.dlq.retryFailureFunction({ dlqId: "dlq_not_there" })).rejects.toThrow();
    expect(emu.requests.at(-1)?.status).toBe(404);
  });
});
