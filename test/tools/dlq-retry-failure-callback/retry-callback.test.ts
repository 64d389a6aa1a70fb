/**
 * dlq_retry_failure_callback: per id, what happened to its failure callback, explained.
 */
import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../../src/wire/types.js";
import { FIXED_NOW } from "../../support/data.js";
import { textOf, useFixture } from "../../support/harness.js";

interface CallbackData {
  retried: { dlqId: string; workflowRunId: string }[];
  probablyRetried?: { dlqId: string; state: string }[];
  refused?: { dlqId: string; state?: string; reason: string }[];
  notFound?: string[];
  failed?: { dlqId: string }[];
  stopReason: string;
}

const CALLBACK_PATH = /^\/v2\/workflows\/dlq\/callback\//;
const stateOf = (message: DlqMessage) => message.failureFunctionState ?? message.failureCallbackInfo?.state;

describe("dlq_retry_failure_callback", () => {
  const fixture = useFixture({ entries: 200, seed: 4, now: FIXED_NOW });
  const inState = (state: string | undefined) =>
    fixture.emulator.store.list().filter((message) => stateOf(message) === state);

  it("retries the failed ones, explains each refusal, and names the ids not in the DLQ", async () => {
    const failed = inState("CALLBACK_FAIL").slice(0, 3);
    const succeeded = inState("CALLBACK_SUCCESS")[0] as DlqMessage;
    const none = inState(undefined)[0] as DlqMessage;
    expect(failed).toHaveLength(3);
    const result = await fixture.call("dlq_retry_failure_callback", {
      dlqIds: [...failed.map((m) => m.dlqId), succeeded.dlqId, none.dlqId, "dlq_not_there"],
    });
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent as unknown as CallbackData;
    expect(data.retried.map((entry) => entry.dlqId).sort()).toEqual(failed.map((m) => m.dlqId).sort());
    for (const entry of data.retried) {
      expect(entry.workflowRunId).toBe(failed.find((m) => m.dlqId === entry.dlqId)?.workflowRunId);
    }
    expect(data.refused).toEqual(
      expect.arrayContaining([
        {
          dlqId: succeeded.dlqId,
          state: "CALLBACK_SUCCESS",
          reason: "its failure callback already succeeded",
        },
        { dlqId: none.dlqId, reason: "it has no failure callback" },
      ]),
    );
    expect(data.notFound).toEqual(["dlq_not_there"]);
    expect(textOf(result)).toMatch(/^Retried 3 failure callbacks\. Refused by QStash: /);
    // The entries stay; only their callbacks run again.
    for (const message of failed) {
      expect(stateOf(fixture.emulator.store.get(message.dlqId) as DlqMessage)).toBe("CALLBACK_INPROGRESS");
    }
    expect(fixture.emulator.store.callbackRetries).toHaveLength(3);
    expect(fixture.emulator.resumed).toEqual([]);
    // One request per id, one lookup per refusal.
    expect(fixture.emulator.requests.filter((r) => CALLBACK_PATH.test(r.path))).toHaveLength(6);
  });

  it("sends a retry again after a 429, which QStash surely did not process, and retries the callback once", async () => {
    const [entry] = inState("CALLBACK_FAIL");
    fixture.emulator.inject({ kind: "429-retry-after", match: (r) => CALLBACK_PATH.test(r.path) });
    const result = await fixture.call("dlq_retry_failure_callback", { dlqIds: [entry?.dlqId] });
    const data = result.structuredContent as unknown as CallbackData;
    expect(data.retried.map((retried) => retried.dlqId)).toEqual([entry?.dlqId]);
    expect(data.probablyRetried).toBeUndefined();
    expect(fixture.emulator.store.callbackRetries).toHaveLength(1);
  });

  it("a dry run by ids says which have a failed callback, and sends only lookups", async () => {
    const failed = inState("CALLBACK_FAIL").slice(0, 2);
    const succeeded = inState("CALLBACK_SUCCESS")[0] as DlqMessage;
    const result = await fixture.call("dlq_retry_failure_callback", {
      dlqIds: [...failed.map((m) => m.dlqId), succeeded.dlqId, "dlq_not_there"],
      dryRun: true,
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      retried: [],
      preview: {
        matched: 2,
        dlqIds: failed.map((m) => m.dlqId),
        notFound: ["dlq_not_there"],
        notFailed: [{ dlqId: succeeded.dlqId, state: "CALLBACK_SUCCESS" }],
      },
    });
    expect(textOf(result)).toMatch(/^Dry run, nothing retried: 2 entries of 4 have a failed callback/);
    expect(fixture.emulator.requests.every((r) => r.method === "GET")).toBe(true);
    expect(fixture.emulator.store.callbackRetries).toEqual([]);
  });

  it("journals every request and the outcome", async () => {
    const [entry] = inState("CALLBACK_FAIL");
    await fixture.call("dlq_retry_failure_callback", { dlqIds: [entry?.dlqId] });
    const lines = fixture.journalLines().filter((line) => line.tool === "dlq_retry_failure_callback");
    expect(lines.map((line) => line.type)).toEqual(
      expect.arrayContaining(["call", "sending", "request", "outcome"]),
    );
    expect(lines.find((line) => line.type === "request")).toMatchObject({ method: "POST", status: 200 });
  });

  it.each([
    [{ dlqIds: [] }, /dlqIds is empty/],
    [{ dlqIds: Array.from({ length: 201 }, (_, i) => `dlq_${i}`) }, /at most 200 ids per call here/],
    [{ dlqIds: ["dlq_a"], filter: { label: "x" } }, /either dlqIds or filter, not both/],
  ])("refuses %j before any request", async (args, message) => {
    const result = await fixture.call("dlq_retry_failure_callback", args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests).toEqual([]);
  });
});

describe("dlq_retry_failure_callback under trouble", () => {
  const fixture = useFixture({ entries: 200, seed: 4, now: FIXED_NOW });
  const inState = (state: string | undefined) =>
    fixture.emulator.store.list().filter((message) => stateOf(message) === state);

  it("does not send a retry again after its answer was lost, and reports it as probably retried with the state read afterwards", async () => {
    const [entry] = inState("CALLBACK_FAIL");
    fixture.emulator.inject({ kind: "reset-after", match: (r) => CALLBACK_PATH.test(r.path) });
    const result = await fixture.call("dlq_retry_failure_callback", { dlqIds: [entry?.dlqId] });
    const data = result.structuredContent as unknown as CallbackData;
    expect(data.probablyRetried).toEqual([{ dlqId: entry?.dlqId, state: "CALLBACK_INPROGRESS" }]);
    expect(data.retried).toEqual([]);
    expect(fixture.emulator.store.callbackRetries).toHaveLength(1);
    expect(
      fixture.emulator.requests.filter((r) => CALLBACK_PATH.test(r.path) && r.method === "POST"),
    ).toHaveLength(1);
  });

  it("does not send a retry again after a 503, which QStash may have processed: the caller decides", async () => {
    const [entry] = inState("CALLBACK_FAIL");
    fixture.emulator.inject({ kind: "503", match: (r) => CALLBACK_PATH.test(r.path) });
    const result = await fixture.call("dlq_retry_failure_callback", { dlqIds: [entry?.dlqId] });
    const data = result.structuredContent as unknown as CallbackData;
    expect(result.isError).toBeFalsy();
    expect(data.retried).toEqual([]);
    expect(data.probablyRetried).toEqual([{ dlqId: entry?.dlqId, state: "CALLBACK_FAIL" }]);
    expect(
      fixture.emulator.requests.filter((r) => CALLBACK_PATH.test(r.path) && r.method === "POST"),
    ).toHaveLength(1);
  });

  it("still gives a reason for a callback state it does not know, and keeps the result whole", async () => {
    const [failed, odd] = inState("CALLBACK_FAIL");
    const stored = fixture.emulator.store.get(odd?.dlqId as string) as DlqMessage;
    stored.failureFunctionState = "CALLBACK_PENDING" as never;
    stored.failureCallbackInfo = { state: "CALLBACK_PENDING" as never };
    const result = await fixture.call("dlq_retry_failure_callback", { dlqIds: [failed?.dlqId, odd?.dlqId] });
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent as unknown as CallbackData;
    expect(data.retried.map((entry) => entry.dlqId)).toEqual([failed?.dlqId]);
    expect(data.refused).toEqual([
      { dlqId: odd?.dlqId, state: "CALLBACK_PENDING", reason: "its failure callback is callback_pending" },
    ]);
  });

  it("refuses more long ids than its result could name, before any request", async () => {
    const long = Array.from({ length: 120 }, (_, i) => `dlq_${String(i).padStart(3, "0")}${"x".repeat(240)}`);
    const result = await fixture.call("dlq_retry_failure_callback", { dlqIds: long });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Pass at most \d+ of these ids at once: the result names each one/);
    expect(fixture.emulator.requests).toEqual([]);
  });
});

describe("dlq_retry_failure_callback when a retried callback fails again at once", () => {
  const fixture = useFixture({ entries: 200, seed: 4, now: FIXED_NOW, callbackRetriesFail: true });

  // The callback ran, failed again before the entry could be read, and its answer was lost: the
  // entry reads CALLBACK_FAIL as if nothing had been sent. Sending again would run it twice.
  it("never sends a retry again after its answer was lost, though the entry reads CALLBACK_FAIL again", async () => {
    const [entry] = fixture.emulator.store.list().filter((message) => stateOf(message) === "CALLBACK_FAIL");
    const dlqId = entry?.dlqId as string;
    fixture.emulator.inject({ kind: "reset-after", match: (r) => CALLBACK_PATH.test(r.path) });
    const result = await fixture.call("dlq_retry_failure_callback", { dlqIds: [dlqId] });
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent as unknown as CallbackData;
    expect(stateOf(fixture.emulator.store.get(dlqId) as DlqMessage)).toBe("CALLBACK_FAIL");
    expect(fixture.emulator.store.callbackRetries.map((retry) => retry.dlqId)).toEqual([dlqId]);
    expect(
      fixture.emulator.requests.filter((r) => CALLBACK_PATH.test(r.path) && r.method === "POST"),
    ).toHaveLength(1);
    expect(data.retried).toEqual([]);
    expect(data.probablyRetried).toEqual([{ dlqId, state: "CALLBACK_FAIL" }]);
    expect(textOf(result)).toMatch(/reads CALLBACK_FAIL now/);
    expect(textOf(result)).toMatch(/before retrying/);
    const outcome = fixture
      .journalLines()
      .find((line) => line.tool === "dlq_retry_failure_callback" && line.type === "outcome");
    expect(outcome).toMatchObject({ retried: 0, probablyRetried: [dlqId] });
  });
});

describe("a cancelled dlq_retry_failure_callback call", () => {
  const fixture = useFixture({ entries: 300, seed: 4, now: FIXED_NOW, latencyMs: 100 });

  it("reports the callbacks it retried in a log message, since its result never arrives", async () => {
    const logged: { result?: CallbackData }[] = [];
    await fixture.client.onLog("error", (params) => logged.push(params.data as (typeof logged)[number]));
    const ids = fixture.emulator.store
      .list()
      .filter((message) => stateOf(message) === "CALLBACK_FAIL")
      .map((message) => message.dlqId);
    expect(ids.length).toBeGreaterThan(20);
    const controller = new AbortController();
    const call = fixture.client
      .callTool(
        { name: "dlq_retry_failure_callback", arguments: { dlqIds: ids } },
        { signal: controller.signal },
      )
      .catch(() => undefined);
    while (fixture.emulator.store.callbackRetries.length < 4)
      await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await call;
    const deadline = Date.now() + 5_000;
    while (!logged.some((entry) => entry.result?.stopReason === "cancelled") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const report = logged.find((entry) => entry.result?.stopReason === "cancelled")?.result;
    // Let the requests in flight at cancellation land before comparing with the emulator.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(report?.retried.map((entry) => entry.dlqId).sort()).toEqual(
      fixture.emulator.store.callbackRetries.map((retry) => retry.dlqId).sort(),
    );
  });
});
