/**
 * dlq_retry_failure_callback: per id, what happened to its failure callback, explained.
 */
import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { textOf, useFixture } from "../support/harness.js";

interface CallbackData {
  retried: { dlqId: string; workflowRunId: string }[];
  probablyRetried?: string[];
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

  it("retries a request that failed with a 503, and reports the callback retried once", async () => {
    const [entry] = inState("CALLBACK_FAIL");
    fixture.emulator.inject({ kind: "503", match: (r) => CALLBACK_PATH.test(r.path) });
    const result = await fixture.call("dlq_retry_failure_callback", { dlqIds: [entry?.dlqId] });
    const data = result.structuredContent as unknown as CallbackData;
    expect(data.retried.map((retried) => retried.dlqId)).toEqual([entry?.dlqId]);
    expect(fixture.emulator.store.callbackRetries).toHaveLength(1);
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
    [{ dlqIds: ["dlq_a"], filter: { label: "x" } }, /Unknown argument/],
  ])("refuses %j before any request", async (args, message) => {
    const result = await fixture.call("dlq_retry_failure_callback", args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests).toEqual([]);
  });
});
