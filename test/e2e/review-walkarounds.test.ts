/**
 * A hostile review of the confirmation gate: sequences of real tool calls, against the real server
 * over stdio and the emulator, that changed the DLQ or flow control without the question
 * docs/confirmation.md promises, or beyond what the question covered. Each test states the
 * promise it held to.
 */
import { describe, expect, it } from "vitest";
import type { FaultRequest } from "../../src/emulator/faults.js";
import type { Emulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { CALLBACKS, FLOW_CHANGES, gated, isList, labelled } from "../support/gate.js";
import { textOf, useFixture } from "../support/harness.js";

function underKey(messages: DlqMessage[], flowControlKey: string): DlqMessage[] {
  return messages.map((message) => ({ ...message, flowControlKey }));
}

/** The key exists in QStash, as it does once live traffic's messages arrived under it. */
function liveKey(emulator: Emulator, key: string): void {
  emulator.store.flowControl.observe(key, "parallelism=50, rate=100, period=1s");
}

function flowPaths(emulator: Emulator): string[] {
  return emulator.requests.filter(FLOW_CHANGES).map((r) => r.path);
}

describe("promise 5: flow_control_update asks before pausing a key live traffic uses", () => {
  // Live traffic that carries a label of its own, as Upstash Workflow lets a trigger set one.
  const live = underKey(labelled("checkout", 25, "live"), "payments-api");
  const fixture = useFixture({ messages: live }, { confirm: true });

  it("REVIEW-1: no label an agent names makes live traffic's key look like a redrive's own", async () => {
    liveKey(fixture.emulator, "payments-api");
    const asked = await fixture.call("flow_control_update", { key: "payments-api", action: "pause" });
    expect(gated(asked).stopReason).toBe("unconfirmed");
    // The agent reads the label off dlq_list and offers it as "the redrive's label": there is no
    // such argument, since QStash cannot tell a redrive's runs from live traffic's by a label.
    const spoofed = await fixture.call("flow_control_update", {
      key: "payments-api",
      action: "pause",
      label: "checkout",
    });
    expect(spoofed.isError).toBe(true);
    expect(textOf(spoofed)).toMatch(/Unknown argument\(s\) label/);
    expect(flowPaths(fixture.emulator)).toEqual([]);
  });
});

describe("promise 5: a key a redrive's own re-failures share with live traffic", () => {
  // 100 of the redrive's own re-failures under its key, then live traffic that started failing
  // under the same key afterwards (a newer entry, beyond the first page the check reads).
  const own = underKey(labelled("incident-4711", 100, "own", FIXED_NOW - 3_600_000), "shared-key");
  const liveLater = underKey(labelled(undefined, 3, "live", FIXED_NOW), "shared-key");
  const fixture = useFixture({ messages: [...own, ...liveLater] }, { confirm: true });

  it("REVIEW-2: is asked about, however many of its entries carry the redrive's label", async () => {
    liveKey(fixture.emulator, "shared-key");
    const result = await fixture.call("flow_control_update", { key: "shared-key", action: "pause" });
    // Three live entries ran under the key: live traffic uses it, so this must ask.
    expect({ sent: flowPaths(fixture.emulator), stopReason: gated(result).stopReason }).toEqual({
      sent: [],
      stopReason: "unconfirmed",
    });
  });
});

describe("promise 5: the live-key check fails open", () => {
  const live = underKey(labelled(undefined, 25, "live"), "payments-api");
  const fixture = useFixture({ messages: live }, { confirm: true, args: ["--max-attempts", "1"] });
  const isKeyList = (req: FaultRequest) =>
    isList(req) && req.query.some(([name]) => name === "flowControlKey");

  it("REVIEW-3: when the DLQ listing of the key fails, the pause is asked about rather than sent", async () => {
    liveKey(fixture.emulator, "payments-api");
    fixture.emulator.inject({ kind: "503", match: isKeyList, times: Number.POSITIVE_INFINITY });
    const result = await fixture.call("flow_control_update", { key: "payments-api", action: "pause" });
    // The server could not tell whether live traffic uses the key: it must not act as if it knew it does not.
    expect(flowPaths(fixture.emulator)).toEqual([]);
    expect(gated(result).applied).not.toBe(true);
  });
});

describe("promise 5: re-pacing live traffic's key through a redrive", () => {
  const live = underKey(labelled("checkout", 25, "live"), "payments-api");
  const fixture = useFixture({ messages: live }, { confirm: true });
  const pace = { key: "payments-api", rate: 1, period: "7d", parallelism: 1 };

  it("REVIEW-4: a one-entry dlq_resume under the live key is asked about, as a pin at that pace is", async () => {
    liveKey(fixture.emulator, "payments-api");
    // flow_control_update pin at this pace is asked about ...
    const pinned = await fixture.call("flow_control_update", {
      key: "payments-api",
      action: "pin",
      rate: 1,
      period: "7d",
      parallelism: 1,
    });
    expect(gated(pinned).stopReason).toBe("unconfirmed");
    expect(flowPaths(fixture.emulator)).toEqual([]);

    // ... and so is a redrive of one entry with the same pace, since QStash would take the key's
    // configuration from the incoming message (it is not pinned).
    const resumed = await fixture.call("dlq_resume", { dlqIds: ["live-0"], flowControl: pace });
    const status = await fixture.call("flow_control_status", { key: "payments-api" });
    const rate = gated(status).keys?.[0]?.rate;
    expect(gated(resumed).warnings?.join(" ")).toMatch(/live traffic uses it/);
    // Production's pace under payments-api was changed without the question pin would have asked.
    expect({
      stopReason: gated(resumed).stopReason,
      rate: rate?.max,
      periodSeconds: rate?.periodSeconds,
    }).toEqual({ stopReason: "unconfirmed", rate: 100, periodSeconds: 1 });
  });
});

describe("promise 5: one yes to pause live traffic's key", () => {
  const live = underKey(labelled(undefined, 25, "live"), "payments-api");
  const fixture = useFixture({ messages: live }, { confirm: true });

  it("REVIEW-9: the confirm token cannot pause the key again after the user resumed it", async () => {
    liveKey(fixture.emulator, "payments-api");
    const args = { key: "payments-api", action: "pause" };
    const asked = await fixture.call("flow_control_update", args);
    expect(gated(asked).stopReason).toBe("unconfirmed");
    const paused = await fixture.call("flow_control_update", { ...args, confirm: gated(asked).confirm });
    expect(gated(paused).applied).toBe(true);
    // The user lets production traffic go again ...
    await fixture.call("flow_control_update", { key: "payments-api", action: "resume" });
    fixture.emulator.clearRequests();
    // ... and the agent pauses it again with the same token, minutes later, without asking.
    const again = await fixture.call("flow_control_update", { ...args, confirm: gated(asked).confirm });
    expect({ sent: flowPaths(fixture.emulator), applied: gated(again).applied ?? false }).toEqual({
      sent: [],
      applied: false,
    });
  });
});

describe("promise 5 and 1: one yes to retry failure callbacks", () => {
  const failed = labelled("billing", 150, "cb").map((message) => ({
    ...message,
    failureCallback: "https://example.com/on-failure",
    failureFunctionState: "CALLBACK_FAIL" as const,
  }));
  // A callback endpoint that is still broken: a retried callback reads CALLBACK_FAIL again.
  const fixture = useFixture({ messages: failed, callbackRetriesFail: true }, { confirm: true });

  it("REVIEW-5: the confirm token cannot be passed back again to run every callback (a refund) again", async () => {
    const dlqIds = failed.map((message) => message.dlqId);
    const asked = await fixture.call("dlq_retry_failure_callback", { dlqIds });
    expect(gated(asked).stopReason).toBe("unconfirmed");
    const once = await fixture.call("dlq_retry_failure_callback", { dlqIds, confirm: gated(asked).confirm });
    expect(once.isError).toBeFalsy();
    expect(fixture.emulator.requests.filter(CALLBACKS)).toHaveLength(150);

    // The agent passes the same token again, twice, without asking the user.
    await fixture.call("dlq_retry_failure_callback", { dlqIds, confirm: gated(asked).confirm });
    await fixture.call("dlq_retry_failure_callback", { dlqIds, confirm: gated(asked).confirm });
    // The user agreed to each callback running once more: 150 retries, not 450.
    expect(fixture.emulator.store.callbackRetries).toHaveLength(150);
  });
});

describe("promise 3: a confirmed operation with an exact count is capped at what the user was shown", () => {
  const fixture = useFixture({ messages: labelled("billing", 150, "b") }, { confirm: true });

  it("REVIEW-6: passing the confirm token back again does not act on up to the shown count once more", async () => {
    const args = { filter: { label: "billing" } };
    const asked = await fixture.call("dlq_delete", args);
    expect(gated(asked).stopReason).toBe("unconfirmed");
    expect(textOf(asked)).toMatch(/Delete 150 DLQ entries/);
    const first = await fixture.call("dlq_delete", { ...args, confirm: gated(asked).confirm });
    expect(gated(first).deleted).toBe(150);

    // Entries become visible late with an older time (QStash does not promise otherwise; a
    // message whose retries ran out keeps its creation time), inside the token's snapshot.
    fixture.emulator.store.add(labelled("billing", 150, "late", FIXED_NOW - 86_400_000));
    const again = await fixture.call("dlq_delete", { ...args, confirm: gated(asked).confirm });
    const total = (gated(first).deleted ?? 0) + (gated(again).deleted ?? 0);
    // The user was shown 150 entries; a yes covers no more than that.
    expect(total).toBeLessThanOrEqual(150);
  });
});

describe("promises 2, 3 and 4: an unasked operation's cursor can be passed back again", () => {
  const fixture = useFixture(
    { messages: [...labelled("billing", 60, "u"), ...labelled("other", 40, "o", FIXED_NOW - 86_400_000)] },
    { args: ["--confirm-over", "100"] },
  );

  it("REVIEW-7: replaying a spent cursor does not act past the count, and the session's total holds", async () => {
    const args = { filter: { label: "billing" }, count: 50, maxPages: 1 };
    const first = await fixture.call("dlq_delete", args);
    expect(gated(first)).toMatchObject({ stopReason: "maxPages", deleted: 50 });
    const cursor = gated(first).cursor as string;
    const second = await fixture.call("dlq_delete", { ...args, cursor });
    expect(gated(second).deleted).toBe(10);
    expect(gated(second).cursor).toBeUndefined();

    // Late entries inside the snapshot, after where the cursor points.
    fixture.emulator.store.add(labelled("billing", 30, "late", FIXED_NOW, 1_000));
    let replayed = 0;
    for (let replay = 0; replay < 3; replay++) {
      const again = await fixture.call("dlq_delete", { ...args, cursor });
      replayed += again.isError ? 0 : (gated(again).deleted ?? 0);
    }
    const operationTotal = 50 + 10 + replayed;
    // An unasked operation counted at 60 acts on no more than 60.
    const capped = operationTotal <= 60;

    // The session's total: 60 unasked, so 40 more fit under 100, and then one more asks.
    const ids = fixture.emulator.store.list({ label: ["other"] }).map((message) => message.dlqId);
    expect(ids).toHaveLength(40);
    const more = await fixture.call("dlq_delete", { dlqIds: ids });
    const sessionUnasked = operationTotal + (gated(more).deleted ?? 0);
    const late = fixture.emulator.store.list({ label: ["billing"] }).map((message) => message.dlqId);
    const oneMore = await fixture.call("dlq_delete", { dlqIds: late.slice(0, 1) });
    expect({ capped, sessionUnasked, nextCall: gated(oneMore).stopReason }).toEqual({
      capped: true,
      sessionUnasked: 100,
      nextCall: "unconfirmed",
    });
  });
});
