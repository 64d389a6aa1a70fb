/**
 * A hostile review of the shortest-path changes: the dry run that hands out its token, the
 * question that agrees with its preview, the labelled drain over stateless HTTP, dlq_inspect by
 * run id and dlq_retry_failure_callback by filter. Each test states the promise it holds the
 * server to, against the built server and the emulator.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { connectHttp, type McpTestClient } from "../support/clients.js";
import { CHANGES, gated, labelled } from "../support/gate.js";
import { TEST_TOKEN, textChars, textOf, useFixture } from "../support/harness.js";
import { type HttpServerProcess, startHttpServer } from "../support/http-server.js";

const DAY = 86_400_000;

/** `count` entries of one label whose failure callback failed. */
function failedCallbacks(label: string, count: number, prefix: string, createdAt: number): DlqMessage[] {
  return labelled(label, count, prefix, createdAt).map((message) => ({
    ...message,
    failureCallback: "https://example.com/on-failure",
    failureFunctionState: "CALLBACK_FAIL" as const,
    ...(message.failureCallbackInfo
      ? { failureCallbackInfo: { ...message.failureCallbackInfo, state: "CALLBACK_FAIL" as const } }
      : {}),
  }));
}

describe("dlq_retry_failure_callback by filter: a confirmed cursor passed back again", () => {
  // The callback endpoint is still broken: a retried callback reads CALLBACK_FAIL again at once,
  // so the entry stays in the selection (it does not leave the DLQ as a resumed one does).
  const failed = failedCallbacks("refunds", 260, "cb", Date.now() - DAY);
  const fixture = useFixture({ messages: failed, callbackRetriesFail: true }, { confirm: true });

  it("SP-1: does not run a callback (a refund) a second time", async () => {
    const args = { filter: { label: "refunds" } };
    const asked = await fixture.call("dlq_retry_failure_callback", args);
    expect(gated(asked).stopReason).toBe("unconfirmed");
    const first = await fixture.call("dlq_retry_failure_callback", {
      ...args,
      confirm: gated(asked).confirm,
    });
    expect(first.isError).toBeFalsy();
    const cursor = gated(first).cursor as string;
    expect(cursor).toBeTruthy();
    let next: string | undefined = cursor;
    while (next) {
      const more = await fixture.call("dlq_retry_failure_callback", { ...args, cursor: next });
      expect(more.isError).toBeFalsy();
      next = gated(more).cursor;
    }
    // The operation is over: each of the 260 callbacks ran once more, as the user agreed.
    expect(fixture.emulator.store.callbackRetries).toHaveLength(260);

    // The agent passes the first cursor back, twice, without asking anyone.
    await fixture.call("dlq_retry_failure_callback", { ...args, cursor });
    await fixture.call("dlq_retry_failure_callback", { ...args, cursor });
    const perEntry = new Map<string, number>();
    for (const { dlqId } of fixture.emulator.store.callbackRetries) {
      perEntry.set(dlqId, (perEntry.get(dlqId) ?? 0) + 1);
    }
    expect(Math.max(...perEntry.values())).toBe(1);
    expect(fixture.emulator.store.callbackRetries).toHaveLength(260);
  });
});

describe("the question that agrees with its preview", () => {
  // More than the count reads (1,000 matches), all well inside the snapshot...
  const before = labelled("billing", 1_100, "old", Date.now() - DAY, 1_000);
  // ...and 60 more that QStash's clock puts after the snapshot: they entered while the call ran.
  const after = labelled("billing", 60, "new", Date.now() + 3_600_000, 1_000);
  const fixture = useFixture({ messages: [...before, ...after] }, { confirm: true });

  it("SP-2: counts only the snapshot, so the token allows no entry the user was not shown", async () => {
    const args = { filter: { label: "billing" } };
    const dry = await fixture.call("dlq_delete", { ...args, dryRun: true });
    expect(gated(dry).stopReason).toBe("unconfirmed");
    const question = textOf(dry);
    // The snapshot holds 1,100: what entered after it is "neither counted nor acted on".
    const stated = /Delete (at least )?([\d,]+) DLQ entries/.exec(question)?.[2]?.replaceAll(",", "");
    const atMostSnapshot = Number(stated) <= 1_100;

    // 60 entries become visible late inside the snapshot (QStash does not promise order of
    // visibility): the user never saw them in the preview.
    fixture.emulator.store.add(labelled("billing", 60, "late", Date.now() - 2 * DAY, 1_000));
    const acted = await fixture.call("dlq_delete", { ...args, confirm: gated(dry).confirm });
    expect(acted.isError).toBeFalsy();
    const deleted = gated(acted).deleted ?? 0;
    const cursor = gated(acted).cursor;
    let total = deleted;
    let next = cursor;
    while (next) {
      const more = await fixture.call("dlq_delete", { ...args, cursor: next });
      total += gated(more).deleted ?? 0;
      next = gated(more).cursor;
    }
    const lateDeleted = fixture.emulator.store.list().filter((m) => m.dlqId.startsWith("late-")).length < 60;
    expect({ stated: Number(stated), atMostSnapshot, total, lateDeleted }).toMatchObject({
      atMostSnapshot: true,
      lateDeleted: false,
    });
  });
});

describe("a labelled drain over stateless HTTP", () => {
  let emulator: Emulator;
  let server: HttpServerProcess;
  let client: McpTestClient;
  // Ids as long as QStash lets a custom one be; half of those passed are in the DLQ.
  const longId = (prefix: string, index: number) =>
    `${prefix}-${String(index).padStart(6, "0")}-${"x".repeat(230)}`;
  const present = labelled(undefined, 600, "p").map((message, index) => ({
    ...message,
    dlqId: longId("in", index),
  }));

  beforeAll(async () => {
    emulator = await startEmulator({ token: TEST_TOKEN, messages: present });
    server = await startHttpServer([], { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN });
    client = await connectHttp(server.url);
  });
  beforeEach(() => {
    emulator.reset({ messages: present });
    emulator.clearRequests();
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await emulator?.close();
  });

  it("SP-3: stays within the result bound when QStash's 404s leave every id probably resumed", async () => {
    // Each batch of 50 holds ids that are gone: QStash acts on the others and answers 404, so
    // every id of the batch is "probably resumed". With a label the runner no longer stops at
    // the result bound, and the result keeps probablyResumed whole.
    const dlqIds = present.flatMap((message, index) => [message.dlqId, longId("gone", index)]);
    const result = (await client.callTool({
      name: "dlq_resume",
      arguments: { dlqIds, label: "redrive-sp3" },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(emulator.requests.filter(CHANGES).length).toBeGreaterThan(0);
    expect(textChars(result)).toBeLessThanOrEqual(40_000);
  });
});

describe("dlq_retry_failure_callback by filter: a yes to an exact count", () => {
  // 150 failed callbacks: one call names them all, so the count is exact, and past 100 it asks.
  const failed = failedCallbacks("refunds", 150, "cb", Date.now() - DAY);
  const fixture = useFixture({ messages: failed }, { confirm: true });

  it("SP-4: retries no more callbacks than the count the user agreed to", async () => {
    const args = { filter: { label: "refunds" } };
    const asked = await fixture.call("dlq_retry_failure_callback", args);
    expect(gated(asked).stopReason).toBe("unconfirmed");
    expect(textOf(asked)).toMatch(/Retry the failure callbacks of 150 DLQ entries/);
    // 40 more become visible late inside the snapshot (older, so listed after the 150).
    fixture.emulator.store.add(failedCallbacks("refunds", 40, "late", Date.now() - 3 * DAY));
    const first = await fixture.call("dlq_retry_failure_callback", {
      ...args,
      confirm: gated(asked).confirm,
    });
    expect(first.isError).toBeFalsy();
    let next = gated(first).cursor;
    for (let calls = 0; next && calls < 5; calls++) {
      const more = await fixture.call("dlq_retry_failure_callback", { ...args, cursor: next });
      next = gated(more).cursor;
    }
    // The user was asked about 150 callbacks, exactly: a yes covers no more than that.
    expect(fixture.emulator.store.callbackRetries.length).toBeLessThanOrEqual(150);
  });
});

describe("unasked callback retries by filter and the session's total", () => {
  const failed = failedCallbacks("refunds", 60, "cb", Date.now() - DAY);
  const others = labelled("other", 60, "o", Date.now() - 2 * DAY);
  const fixture = useFixture({ messages: [...failed, ...others] }, { confirm: true });

  it("SP-5: a dry run adds nothing; an unasked retry by filter adds to the total the next change is held to", async () => {
    const args = { filter: { label: "refunds" } };
    const dry = await fixture.call("dlq_retry_failure_callback", { ...args, dryRun: true });
    expect(gated(dry).confirm).toBeUndefined();
    const retried = await fixture.call("dlq_retry_failure_callback", args);
    expect(gated(retried).stopReason).toBe("done");
    expect(fixture.emulator.store.callbackRetries).toHaveLength(60);
    const dlqIds = others.map((message) => message.dlqId);
    // 60 unasked so far: 60 more would pass 100, so this asks.
    const next = await fixture.call("dlq_delete", { dlqIds });
    expect(gated(next).stopReason).toBe("unconfirmed");
    expect(fixture.emulator.requests.filter(CHANGES)).toEqual([]);
  });
});
