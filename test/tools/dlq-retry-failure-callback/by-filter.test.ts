/**
 * dlq_retry_failure_callback by filter (and where), over stdio and over stateless HTTP, with the
 * server's confirmation on: exactly the CALLBACK_FAIL entries matching are retried, one request
 * each; a dry run only reads and, where the real call would be asked, hands out the token; a
 * selection larger than one call goes on by cursor inside its snapshot, never retrying an entry
 * twice nor one that failed after it began; wrong combinations send nothing.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../src/emulator/index.js";
import type { DlqMessage } from "../../../src/wire/types.js";
import { connectHttp, type McpTestClient } from "../../support/clients.js";
import { FIXED_NOW, hasLabel, seededMessages } from "../../support/data.js";
import { TEST_TOKEN, textOf, useFixture } from "../../support/harness.js";
import { startHttpServer } from "../../support/http-server.js";

interface Retried {
  retried: { dlqId: string }[];
  refused?: unknown[];
  stopReason: string;
  complete?: boolean;
  cursor?: string;
  confirm?: string;
  preview?: { matched: number; matchedIsLowerBound: boolean; dlqIds: string[] };
}

const TOOL = "dlq_retry_failure_callback";
const REFUNDS = "refunds-4711";
const CALLBACK_PATH = /^\/v2\/workflows\/dlq\/callback\/([^/?]+)/;
const data = (result: CallToolResult) => result.structuredContent as unknown as Retried;
const stateOf = (message: DlqMessage) => message.failureFunctionState ?? message.failureCallbackInfo?.state;

/** 390 entries: two in three with a failed callback (260, more than one call names), the rest succeeded. */
function dlq(): DlqMessage[] {
  return seededMessages({ entries: 390, seed: 11 }).map((message, index) => {
    const state = index % 3 === 0 ? "CALLBACK_SUCCESS" : "CALLBACK_FAIL";
    return {
      ...message,
      // About thirty entries of their own label: few enough to go unasked.
      ...(index % 13 === 1 ? { label: REFUNDS } : {}),
      failureFunctionState: state,
      ...(message.failureCallbackInfo
        ? { failureCallbackInfo: { ...message.failureCallbackInfo, state } }
        : {}),
    };
  });
}

type Call = (args: Record<string, unknown>) => Promise<CallToolResult>;

function byFilter(transport: string, setup: () => { call: Call; emulator: () => Emulator }) {
  describe(`over ${transport}`, () => {
    const { call, emulator } = setup();
    const posts = (from = 0) =>
      emulator()
        .requests.slice(from)
        .filter((request) => request.method === "POST" && CALLBACK_PATH.test(request.path))
        .map((request) => decodeURIComponent(CALLBACK_PATH.exec(request.path)?.[1] as string));
    const failedWith = (match: (message: DlqMessage) => boolean) =>
      emulator()
        .store.list()
        .filter((message) => stateOf(message) === "CALLBACK_FAIL" && match(message))
        .map((message) => message.dlqId)
        .sort();
    const smallLabel = () => {
      const count = failedWith((message) => hasLabel(message, REFUNDS)).length;
      expect(count).toBeGreaterThan(10);
      expect(count).toBeLessThan(40);
      return REFUNDS;
    };

    it("a small dry run only reads, and is a plain preview", async () => {
      const label = smallLabel();
      const expected = failedWith((message) => hasLabel(message, label));
      const result = await call({ filter: { label }, dryRun: true });
      expect(data(result)).toMatchObject({
        stopReason: "done",
        preview: { matched: expected.length, matchedIsLowerBound: false },
      });
      expect(data(result).confirm).toBeUndefined();
      expect(textOf(result)).toMatch(/^Dry run, nothing retried/);
      expect(emulator().requests.every((request) => request.method === "GET")).toBe(true);
      expect(emulator().store.callbackRetries).toEqual([]);
    });

    it("retries exactly the CALLBACK_FAIL entries matching, one request each", async () => {
      const label = smallLabel();
      const expected = failedWith((message) => hasLabel(message, label));
      const result = await call({ filter: { label } });
      expect(result.isError).toBeFalsy();
      expect(
        data(result)
          .retried.map((entry) => entry.dlqId)
          .sort(),
      ).toEqual(expected);
      expect(data(result)).toMatchObject({ stopReason: "done", complete: true });
      expect(data(result).cursor).toBeUndefined();
      expect(posts().sort()).toEqual(expected);
      expect(emulator().store.callbackRetries).toHaveLength(expected.length);
    });

    it("narrows by where", async () => {
      const label = smallLabel();
      const is5xx = (message: DlqMessage) => String(message.responseStatus).startsWith("5");
      const expected = failedWith((message) => hasLabel(message, label) && is5xx(message));
      const all = failedWith((message) => hasLabel(message, label));
      expect(expected.length).toBeLessThan(all.length);
      const result = await call({
        filter: { label, failureFunctionState: "CALLBACK_FAIL" },
        where: { responseStatus: ["5xx"] },
      });
      expect(
        data(result)
          .retried.map((entry) => entry.dlqId)
          .sort(),
      ).toEqual(expected);
      expect(posts().sort()).toEqual(expected);
    });

    it("a large selection: the dry run hands out the token, which acts; the rest goes on by cursor, each entry once, none that failed since", async () => {
      const expected = failedWith(() => true);
      expect(expected.length).toBe(260);
      const args = { filter: { failureFunctionState: "CALLBACK_FAIL" } };
      const preview = await call({ ...args, dryRun: true });
      expect(data(preview)).toMatchObject({
        stopReason: "unconfirmed",
        preview: { matchedIsLowerBound: true },
      });
      // As many as one result can name each call.
      const perCall = data(preview).preview?.matched as number;
      expect(perCall).toBeGreaterThan(100);
      expect(perCall).toBeLessThan(260);
      expect(data(preview).confirm).toBeTruthy();
      expect(textOf(preview)).toMatch(
        new RegExp(
          `at least ${perCall} DLQ entries matching failureFunctionState="CALLBACK_FAIL", ${perCall} in this call and the rest by cursor\\?`,
        ),
      );
      expect(emulator().requests.every((request) => request.method === "GET")).toBe(true);

      const first = await call({ ...args, confirm: data(preview).confirm });
      expect(first.isError).toBeFalsy();
      expect(data(first).retried).toHaveLength(perCall);
      expect(data(first).complete).toBe(false);
      let cursor = data(first).cursor;
      expect(cursor).toBeTruthy();

      // A callback that fails after the operation began is not part of it.
      const newest = emulator().store.list()[0] as DlqMessage;
      emulator().store.add([
        {
          ...newest,
          dlqId: "dlq_failed_later",
          createdAt: Date.now() + 2_000,
          failureFunctionState: "CALLBACK_FAIL",
        },
      ]);
      let calls = 1;
      let last = first;
      while (cursor && calls < 5) {
        last = await call({ ...args, cursor });
        expect(last.isError).toBeFalsy();
        cursor = data(last).cursor;
        calls += 1;
      }
      expect(calls).toBe(Math.ceil(260 / perCall));
      expect(data(last)).toMatchObject({ complete: true, stopReason: "done" });

      const sent = posts();
      expect(sent).toHaveLength(260);
      expect(new Set(sent).size).toBe(260);
      expect([...sent].sort()).toEqual(expected);
      expect(sent).not.toContain("dlq_failed_later");
    });

    it("asks before a selection larger than one call, and a cursor of another filter is refused", async () => {
      const asked = await call({ filter: { failureFunctionState: "CALLBACK_FAIL" } });
      expect(data(asked)).toMatchObject({ stopReason: "unconfirmed" });
      expect(posts()).toEqual([]);
      const acted = await call({
        filter: { failureFunctionState: "CALLBACK_FAIL" },
        confirm: data(asked).confirm,
      });
      const other = await call({ filter: { label: "other" }, cursor: data(acted).cursor });
      expect(other.isError).toBe(true);
      expect(textOf(other)).toMatch(/different filter/);
      expect(posts()).toHaveLength(data(acted).retried.length);
    });

    it.each([
      [{ dlqIds: ["dlq_a"], filter: { label: "x" } }, /either dlqIds or filter, not both/],
      [{ dlqIds: ["dlq_a"], where: { responseStatus: ["5xx"] } }, /where narrows a filter/],
      [{ filter: { failureFunctionState: "CALLBACK_SUCCESS" } }, /must be "CALLBACK_FAIL"/],
      [{ filter: { label: "x" }, dryRun: true, confirm: "token" }, /leave out dryRun and cursor/],
    ])("refuses %j before any request", async (args, message) => {
      const result = await call(args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(message);
      expect(emulator().requests).toEqual([]);
    });
  });
}

byFilter("stdio", () => {
  const fixture = useFixture({ entries: 0, seed: 11, now: FIXED_NOW }, { confirm: true });
  beforeEach(() => {
    fixture.emulator.store.load(dlq());
  });
  return { call: (args) => fixture.call(TOOL, args), emulator: () => fixture.emulator };
});

byFilter("stateless HTTP", () => {
  let emulator: Emulator;
  let server: { stop: () => Promise<void>; url: string };
  let client: McpTestClient;
  beforeAll(async () => {
    emulator = await startEmulator({ token: TEST_TOKEN, entries: 0, seed: 11, now: FIXED_NOW });
    server = await startHttpServer(
      [],
      { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
      { confirm: true },
    );
    client = await connectHttp(server.url);
  });
  beforeEach(() => {
    emulator.store.load(dlq());
    emulator.clearRequests();
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await emulator?.close();
  });
  return {
    call: async (args) => (await client.callTool({ name: TOOL, arguments: args })) as CallToolResult,
    emulator: () => emulator,
  };
});
