/**
 * The ways around the confirmation gate that a hostile user or a prompt-injected agent found, each
 * replayed: a cursor handed out before any snapshot, a continuation with other options, a
 * confirmed operation bounded by the replica's clock, an unasked call acting on what arrived
 * after it was counted, a mass change sliced into small calls, and a cursor kept past its
 * operation's lifetime. Each is now refused, asked about, or held to what was allowed.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultRequest } from "../../src/emulator/faults.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { connectHttp, type McpTestClient } from "../support/clients.js";
import { FIXED_NOW } from "../support/data.js";
import { CALLBACKS, CHANGES, FLOW_CHANGES, gated, isList, labelled } from "../support/gate.js";
import { startFixture, TEST_TOKEN, textOf, useFixture } from "../support/harness.js";
import { startHttpServer } from "../support/http-server.js";

const queryCount = (req: FaultRequest) => req.query.find(([name]) => name === "count")?.[1];

/** Runs `then` once, on the first API request after the first one `first` matches. */
function onceAfter(emulator: Emulator, first: (req: FaultRequest) => boolean, then: () => void): void {
  let seen = false;
  let done = false;
  emulator.inject({
    kind: "slow",
    times: Number.POSITIVE_INFINITY,
    match: (req) => {
      if (done) return false;
      if (seen) {
        done = true;
        then();
      } else if (first(req)) {
        seen = true;
      }
      return false;
    },
  });
}

describe("a cursor is an allowed operation, nothing more", () => {
  const fixture = useFixture({ messages: [] }, { confirm: true });

  it("a call that stops before its snapshot hands out no cursor, so a DLQ that filled up since is asked about", async () => {
    // The count finds the DLQ empty; every list after it fails.
    fixture.emulator.inject({ kind: "503", match: isList, after: 1, times: Number.POSITIVE_INFINITY });
    const empty = await fixture.call("dlq_delete", { all: true });
    expect(gated(empty).cursor).toBeUndefined();
    expect(textOf(empty)).not.toMatch(/cursor "/);
    fixture.emulator.clearFaults();

    fixture.emulator.store.load(labelled("billing", 600, "late"));
    const again = await fixture.call("dlq_delete", { all: true });
    expect(gated(again).stopReason).toBe("unconfirmed");
    expect(fixture.emulator.requests.filter(CHANGES)).toEqual([]);
    expect(fixture.emulator.store.size).toBe(600);
  });

  it("a continuation with other options than the user confirmed is refused and sends nothing", async () => {
    fixture.emulator.store.load(labelled("checkout", 600, "e"));
    const options = {
      flowControl: { key: "incident-4711-redrive", rate: 1, parallelism: 1 },
      label: "incident-4711",
      count: 20,
      maxPages: 1,
    };
    const asked = await fixture.call("dlq_resume_all", options);
    const confirmed = await fixture.call("dlq_resume_all", { ...options, confirm: gated(asked).confirm });
    const cursor = gated(confirmed).cursor as string;
    expect(gated(confirmed).resumed).toBe(20);
    fixture.emulator.clearRequests();

    for (const other of [
      { flowControl: { key: "payments-api", rate: 1000, parallelism: 1000 } },
      { flowControl: { ...options.flowControl, rate: 1000 } },
      { label: "another-label" },
      { retries: 5 },
    ]) {
      const swapped = await fixture.call("dlq_resume_all", { ...options, ...other, cursor });
      expect(swapped.isError, JSON.stringify(other)).toBe(true);
      expect(textOf(swapped)).toMatch(/other options .*start a new operation/);
    }
    expect(fixture.emulator.requests).toEqual([]);

    // The same options go on.
    const next = await fixture.call("dlq_resume_all", { ...options, cursor });
    expect(gated(next).resumed).toBe(20);
    const headers = fixture.emulator.resumed.map((record) => record.flowControlKey);
    expect(new Set(headers)).toEqual(new Set(["incident-4711-redrive"]));
  });
});

describe("a confirmed operation runs by QStash's clock, not the replica's", () => {
  const clockAhead = pathToFileURL(
    fileURLToPath(new URL("../support/clock-offset.mjs", import.meta.url)),
  ).href;
  const fixture = useFixture(
    { messages: labelled("orders", 150, "c"), refail: { share: 1, seed: 3 } },
    {
      confirm: true,
      env: { NODE_OPTIONS: `--import=${clockAhead}`, WORKFLOW_DLQ_MCP_TEST_CLOCK_OFFSET_MS: "30000" },
    },
  );

  it("never takes its own re-failures, with the server's clock 30 s ahead", async () => {
    const args = { count: 50, maxPages: 1 };
    const asked = await fixture.call("dlq_resume_all", args);
    expect(gated(asked).stopReason).toBe("unconfirmed");
    let result = await fixture.call("dlq_resume_all", { ...args, confirm: gated(asked).confirm });
    for (let calls = 0; gated(result).cursor && calls < 10; calls++) {
      result = await fixture.call("dlq_resume_all", { ...args, cursor: gated(result).cursor });
    }
    expect(gated(result).complete).toBe(true);
    const reentries = new Set(fixture.emulator.resumed.map((record) => record.refailedAs));
    const resumedAgain = fixture.emulator.resumed.filter((record) => reentries.has(record.dlqId));
    expect(resumedAgain).toEqual([]);
    expect(fixture.emulator.resumed).toHaveLength(150);
  });
});

describe("counted means capped", () => {
  const fixture = useFixture(
    { messages: [...labelled("billing", 100, "b"), ...labelled("other", 20, "o")] },
    { args: ["--confirm-over", "100"] },
  );
  const countRequest = (req: FaultRequest) => isList(req) && queryCount(req) === "100";

  it("an unasked call leaves alone what entered the DLQ after it was counted", async () => {
    // Newer than the snapshot: the snapshot's bound leaves them out, in any order.
    const arrivals = labelled("billing", 21, "new", Date.now() + 3_600_000);
    onceAfter(fixture.emulator, countRequest, () => fixture.emulator.store.add(arrivals));
    const result = await fixture.call("dlq_delete", { filter: { label: "billing" } });
    expect(gated(result)).toMatchObject({ stopReason: "done", deleted: 100 });
    for (const arrival of arrivals) expect(fixture.emulator.store.has(arrival.dlqId)).toBe(true);
  });

  // Visible late with a time inside the snapshot, older or newer than what was counted: listed
  // newest first, the newer ones come before the entries counted, and only the count holds.
  it.each([
    ["older than", FIXED_NOW - 3_600_000],
    ["newer than", Date.now() + 1_000],
  ])(
    "and acts on no more entries than it counted, even when late entries carry a time %s those counted",
    async (_, base) => {
      const late = labelled("billing", 21, "late", base);
      onceAfter(fixture.emulator, countRequest, () => fixture.emulator.store.add(late));
      const result = await fixture.call("dlq_delete", { filter: { label: "billing" } });
      expect(gated(result).deleted).toBeLessThanOrEqual(100);
      expect(gated(result).cursor).toBeUndefined();
      expect(fixture.emulator.store.list({ label: ["billing"] }).length).toBeGreaterThanOrEqual(21);
    },
  );
});

describe("a session adds up what it changed unasked", () => {
  const fixture = useFixture(
    { messages: labelled("billing", 200, "s") },
    { args: ["--confirm-over", "100"] },
  );
  const ids = () => fixture.emulator.store.list().map((message) => message.dlqId);

  it("asks once small calls together pass the threshold, so a mass change cannot be sliced", async () => {
    const first = await fixture.call("dlq_delete", { dlqIds: ids().slice(0, 60) });
    expect(gated(first)).toMatchObject({ stopReason: "done", deleted: 60 });
    const second = await fixture.call("dlq_restart", { dlqIds: ids().slice(0, 60) });
    expect(gated(second).stopReason).toBe("unconfirmed");
    expect(textOf(second)).toMatch(/already changed 60 entries without asking/);
    expect(fixture.emulator.resumed).toEqual([]);
    const fits = await fixture.call("dlq_restart", { dlqIds: ids().slice(0, 40) });
    expect(gated(fits)).toMatchObject({ stopReason: "done", restarted: 40 });
    const one = await fixture.call("dlq_resume", { dlqIds: ids().slice(0, 1) });
    expect(gated(one).stopReason).toBe("unconfirmed");
    expect(fixture.emulator.store.size).toBe(100);
  });
});

describe("a cursor from another session", () => {
  const fixture = useFixture(
    { messages: labelled("billing", 200, "s") },
    { args: ["--confirm-over", "100"] },
  );
  const ids = () => fixture.emulator.store.list().map((message) => message.dlqId);

  it("of an unasked operation counts toward this session's unasked changes", async () => {
    const other = await startFixture(
      { messages: labelled("billing", 80, "a") },
      { args: ["--confirm-over", "100"] },
    );
    let cursor: string;
    try {
      const started = await other.call("dlq_delete", {
        filter: { label: "billing" },
        count: 10,
        maxPages: 1,
      });
      expect(gated(started)).toMatchObject({ stopReason: "maxPages", deleted: 10 });
      cursor = gated(started).cursor as string;
    } finally {
      await other.close();
    }
    const here = await fixture.call("dlq_delete", { dlqIds: ids().slice(0, 50) });
    expect(gated(here).deleted).toBe(50);
    fixture.emulator.clearRequests();
    // 50 unasked here, and the other session's operation may still delete 70: more than 100.
    const adopted = await fixture.call("dlq_delete", {
      filter: { label: "billing" },
      count: 10,
      maxPages: 1,
      cursor,
    });
    expect(adopted.isError).toBe(true);
    expect(textOf(adopted)).toMatch(/not asked about.*already changed 50 entries/);
    expect(fixture.emulator.requests).toEqual([]);
  });
});

describe("cursors of gated operations expire", () => {
  const fixture = useFixture(
    { messages: labelled("billing", 150, "x") },
    { confirm: true, args: ["--cursor-lifetime", "1"] },
  );

  it("after their lifetime a continuation is refused, sends nothing, and says to start anew", async () => {
    const args = { count: 20, maxPages: 1 };
    const asked = await fixture.call("dlq_delete", { all: true, ...args });
    const confirmed = await fixture.call("dlq_delete", { all: true, ...args, confirm: gated(asked).confirm });
    expect(gated(confirmed).deleted).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    fixture.emulator.clearRequests();
    const late = await fixture.call("dlq_delete", { all: true, ...args, cursor: gated(confirmed).cursor });
    expect(late.isError).toBe(true);
    expect(textOf(late)).toMatch(/expired.*without cursor/);
    expect(fixture.emulator.requests).toEqual([]);
    expect(gated(await fixture.call("dlq_delete", { all: true, ...args })).stopReason).toBe("unconfirmed");
  });
});

describe("over stateless HTTP", () => {
  let emulator: Emulator;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let client: McpTestClient;

  beforeAll(async () => {
    emulator = await startEmulator({ token: TEST_TOKEN, messages: labelled("billing", 150, "h") });
    server = await startHttpServer(
      ["--confirm-over", "100"],
      { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
      { confirm: true },
    );
    client = await connectHttp(server.url);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await emulator?.close();
  });

  it("a continuation with other options is refused there too, whichever replica gets it", async () => {
    const args = {
      filter: { label: "billing" },
      flowControl: { key: "redrive-7", rate: 2 },
      count: 10,
      maxPages: 1,
    };
    const call = async (extra: Record<string, unknown>) =>
      client.callTool({ name: "dlq_resume", arguments: { ...args, ...extra } });
    const asked = await call({});
    const confirmed = await call({ confirm: gated(asked).confirm });
    expect(gated(confirmed).resumed).toBe(10);
    const cursor = gated(confirmed).cursor as string;
    const swapped = await call({ flowControl: { key: "payments-api", rate: 1000 }, cursor });
    expect(swapped.isError).toBe(true);
    expect(emulator.resumed).toHaveLength(10);
    expect(gated(await call({ cursor })).resumed).toBe(10);
  });
});

describe("changes outside the action engine are asked about when they can hurt production", () => {
  const live = labelled("checkout", 25, "live").map((message) => ({
    ...message,
    flowControlKey: "payments-api",
  }));
  const own = labelled("incident-4711", 5, "own").map((message) => ({
    ...message,
    flowControlKey: "incident-4711-redrive",
  }));
  const fixture = useFixture({ messages: [...live, ...own] }, { confirm: true });

  it("pausing or re-pacing live traffic's key asks first, with the reason, and sends nothing until the yes", async () => {
    for (const args of [
      { key: "payments-api", action: "pause" },
      { key: "payments-api", action: "pin", rate: 1, period: "7d" },
      { key: "payments-api", action: "unpin" },
      { key: "payments-api", action: "resetRate" },
    ]) {
      const asked = await fixture.call("flow_control_update", args);
      expect(gated(asked).stopReason, JSON.stringify(args)).toBe("unconfirmed");
      expect(textOf(asked)).toMatch(/live traffic may use this key/);
    }
    expect(fixture.emulator.requests.filter(FLOW_CHANGES)).toEqual([]);
    const asked = await fixture.call("flow_control_update", { key: "payments-api", action: "pause" });
    await fixture.call("flow_control_update", {
      key: "payments-api",
      action: "pause",
      confirm: gated(asked).confirm,
    });
    expect(fixture.emulator.requests.filter(FLOW_CHANGES).map((r) => r.path)).toEqual([
      "/v2/flowControl/payments-api/pause",
    ]);
  });

  it("a fresh redrive's own key (no entry ran under it) and resume go unasked; one with re-failures asks", async () => {
    await fixture.call("flow_control_update", { key: "incident-4712-redrive", action: "pause" });
    await fixture.call("flow_control_update", { key: "payments-api", action: "resume" });
    expect(fixture.emulator.requests.filter(FLOW_CHANGES).map((r) => r.path)).toEqual([
      "/v2/flowControl/incident-4712-redrive/pause",
      "/v2/flowControl/payments-api/resume",
    ]);
    // Its own runs that failed again carry its label, but a label proves nothing: asked.
    const refailed = await fixture.call("flow_control_update", {
      key: "incident-4711-redrive",
      action: "pause",
    });
    expect(gated(refailed).stopReason).toBe("unconfirmed");
    expect(textOf(refailed)).toMatch(/QStash cannot tell a redrive's own runs that failed again/);
  });
});

describe("failure-callback retries past the threshold", () => {
  const failed = labelled("billing", 150, "cb").map((message) => ({
    ...message,
    failureCallback: "https://example.com/on-failure",
    failureFunctionState: "CALLBACK_FAIL" as const,
  }));
  const fixture = useFixture({ messages: failed }, { confirm: true });

  it("are asked about, and go once the user agreed", async () => {
    const dlqIds = failed.map((message) => message.dlqId);
    const asked = await fixture.call("dlq_retry_failure_callback", { dlqIds });
    expect(gated(asked).stopReason).toBe("unconfirmed");
    expect(textOf(asked)).toMatch(/^Retry the failure callbacks of 150 DLQ entries/);
    expect(fixture.emulator.requests.filter(CALLBACKS)).toEqual([]);
    const done = await fixture.call("dlq_retry_failure_callback", { dlqIds, confirm: gated(asked).confirm });
    expect(done.isError).toBeFalsy();
    expect(fixture.emulator.requests.filter(CALLBACKS)).toHaveLength(150);
  });
});
