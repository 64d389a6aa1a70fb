/**
 * `POST /v2/trigger/{workflowUrl}`: a run the emulator starts fails at once into the DLQ, carrying
 * the label, key and retries it was triggered with, so a caller can make entries of its own.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { parseCallbackBody, parseListBody } from "../../src/qstash/parse.js";
import { parseLogsBody } from "../../src/qstash/parse-logs.js";
import { call, NOW, nth, TOKEN } from "./helpers.js";

const FAILING = "https://example.com/dlq-mcp-live/always-404";
const trigger = (emu: Emulator, headers: Record<string, string> = {}, url = FAILING) =>
  call(emu, "POST", `/v2/trigger/${url}`, { headers });

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN, entries: 20, seed: 3, now: NOW });
});
afterEach(() => emu.close());

describe("POST /v2/trigger/{url}", () => {
  it("answers the new run, whose entry is in the DLQ at once with its label, key and retries", async () => {
    const before = Date.now();
    const res = await trigger(emu, {
      "Upstash-Label": "dlq-mcp-live-t1",
      "Upstash-Flow-Control-Key": "dlq-mcp-live-t1-key",
      "Upstash-Flow-Control-Value": "rate=2, period=1s",
      "Upstash-Retries": "0",
    });
    expect(res.status).toBe(200);
    const run = parseCallbackBody(res.json, "trigger");
    expect(run.workflowRunId).toMatch(/^wfr_[A-Za-z0-9_-]{21}$/);
    expect(run.workflowCreatedAt).toBeGreaterThanOrEqual(before);

    const listed = await call(emu, "GET", "/v2/workflows/dlq", { query: [["label", "dlq-mcp-live-t1"]] });
    const { messages } = parseListBody(listed.json, "list");
    expect(messages).toHaveLength(1);
    expect(nth(messages, 0)).toMatchObject({
      workflowRunId: run.workflowRunId,
      workflowUrl: FAILING,
      url: FAILING,
      label: "dlq-mcp-live-t1",
      flowControlKey: "dlq-mcp-live-t1-key",
      responseStatus: 404,
    });
    // No retries: a zero QStash leaves out of its answer, as the emulator does by default.
    expect(nth(messages, 0).maxRetries ?? 0).toBe(0);
    expect(emu.store.get(nth(messages, 0).dlqId)?.maxRetries).toBe(0);
    expect(nth(messages, 0).createdAt).toBeGreaterThan(run.workflowCreatedAt as number);
    expect(emu.store.size).toBe(21);

    // The key exists from now on, with the pace the run came with.
    const key = await call(emu, "GET", "/v2/flowControl/dlq-mcp-live-t1-key");
    expect(key.status).toBe(200);
    expect(key.json).toMatchObject({ flowControlKey: "dlq-mcp-live-t1-key", rateMax: 2 });

    // The logs know the run as failed, under its label.
    const logs = await call(emu, "GET", "/v2/workflows/logs", { query: [["label", "dlq-mcp-live-t1"]] });
    const { runs } = parseLogsBody(logs.json, "logs");
    expect(runs.map((r) => [r.workflowRunId, r.workflowState])).toEqual([[run.workflowRunId, "RUN_FAILED"]]);
  });

  it("takes the run id it is given, and makes different ids for runs in the same millisecond", async () => {
    const named = await trigger(emu, { "Upstash-Workflow-RunId": "wfr_my-own-id" });
    expect(named.json.workflowRunId).toBe("wfr_my-own-id");
    const a = await trigger(emu);
    const b = await trigger(emu);
    expect(a.json.workflowRunId).not.toBe(b.json.workflowRunId);
    expect(new Set(emu.store.list().map((m) => m.dlqId)).size).toBe(23);
  });

  it("accepts the workflow URL percent-encoded", async () => {
    const res = await trigger(emu, {}, encodeURIComponent(FAILING));
    expect(res.status).toBe(200);
    expect(emu.store.list({ workflowRunId: res.json.workflowRunId })[0]?.workflowUrl).toBe(FAILING);
  });

  it("refuses what a trigger cannot carry, adding nothing", async () => {
    const refusals: [string, Record<string, string>, string][] = [
      ["not-a-url", {}, "http:// or https://"],
      [FAILING, { "Upstash-Label": "has space" }, "Upstash-Label"],
      [FAILING, { "Upstash-Flow-Control-Key": "k" }, "Upstash-Flow-Control-Value"],
      [FAILING, { "Upstash-Retries": "-1" }, "Upstash-Retries"],
      [FAILING, { "Upstash-Workflow-RunId": "a,b" }, "Upstash-Workflow-RunId"],
    ];
    for (const [url, headers, named] of refusals) {
      const res = await trigger(emu, headers, url);
      expect(res.status, `${url} ${JSON.stringify(headers)}`).toBe(400);
      expect(res.json.error).toContain(named);
    }
    const withQuery = await call(emu, "POST", `/v2/trigger/${FAILING}`, { query: [["x", "1"]] });
    expect(withQuery.status).toBe(400);
    expect((await call(emu, "GET", `/v2/trigger/${FAILING}`)).status).toBe(405);
    expect(emu.store.size).toBe(20);
  });

  it("makes entries that resume like any other, and re-fail under the resume's label", async () => {
    const failing = await startEmulator({ token: TOKEN, entries: 0, now: NOW, refail: { share: 1 } });
    try {
      await trigger(failing, { "Upstash-Label": "own", "Upstash-Retries": "0" });
      const resumed = await call(failing, "POST", "/v2/workflows/dlq/resume", {
        query: [["label", "own"]],
        headers: { "Upstash-Label": "own" },
      });
      expect(resumed.json.workflowRuns).toHaveLength(1);
      const back = failing.store.list({ label: ["own"] });
      expect(back).toHaveLength(1);
      expect(nth(back, 0).workflowRunId).toBe(resumed.json.workflowRuns[0].workflowRunId);
    } finally {
      await failing.close();
    }
  });
});
