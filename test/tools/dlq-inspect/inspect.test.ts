/**
 * dlq_inspect over stdio: why a few runs failed, from the entry and its run in the logs, with a
 * gone dlqId reported beside the others, headers and bodies only on request, and the result
 * within its bound however large the entries.
 */
import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../../src/wire/types.js";
import { SEED_OPTIONS, seededMessages } from "../../support/data.js";
import { textChars, textOf, useFixture } from "../../support/harness.js";

interface Inspected {
  entries: {
    dlqId: string;
    entry: { dlqId: string; responseStatus?: number; header?: unknown; body?: string; responseBody?: string };
    run?: {
      workflowRunId: string;
      state: string;
      steps: { name?: string; state?: string }[];
      failedStep?: { name?: string; type?: string; url?: string; status?: number };
      attempts: { state?: string; status?: number; body?: string; at?: number }[];
      failureFunction?: { state?: string };
    };
  }[];
  gone: string[];
}

const messages = seededMessages();
const external = messages.find((message) => message.url !== message.workflowUrl) as DlqMessage;
const withCallback = messages.find((message) => message.failureCallbackInfo?.state) as DlqMessage;

describe("dlq_inspect", () => {
  const fixture = useFixture(SEED_OPTIONS);
  const inspect = async (args: Record<string, unknown>) => {
    const result = await fixture.call("dlq_inspect", args);
    expect(result.isError, textOf(result)).toBeFalsy();
    return { text: textOf(result), data: result.structuredContent as unknown as Inspected };
  };

  it("shows each entry's failed step, every attempt with its status and body, and the failure function; a gone id is reported", async () => {
    const { text, data } = await inspect({ dlqIds: [external.dlqId, withCallback.dlqId, "dlq_not_there"] });
    expect(data.gone).toEqual(["dlq_not_there"]);
    expect(data.entries.map((entry) => entry.dlqId)).toEqual([external.dlqId, withCallback.dlqId]);
    const [first, second] = data.entries;
    expect(first?.run).toMatchObject({
      workflowRunId: external.workflowRunId,
      state: "RUN_FAILED",
      failedStep: {
        name: expect.stringMatching(/^call-/),
        url: external.url,
        status: external.responseStatus,
      },
    });
    // Three retries by default: four attempts, the last one the failure.
    expect(first?.run?.attempts.map((attempt) => attempt.state)).toEqual([
      "STEP_RETRY",
      "STEP_RETRY",
      "STEP_RETRY",
      "STEP_FAILED",
    ]);
    for (const attempt of first?.run?.attempts ?? []) {
      expect(attempt.status).toBe(external.responseStatus);
      expect(external.responseBody?.startsWith(attempt.body?.replace(/…$/, "") ?? "∅")).toBe(true);
      expect(attempt.at).toBeLessThanOrEqual(external.createdAt);
    }
    expect(second?.run?.failureFunction?.state).toBe(withCallback.failureCallbackInfo?.state);
    expect(first?.entry.header).toBeUndefined();
    expect(first?.entry.body).toBeUndefined();
    expect(text).toContain(`${external.dlqId} failed at step`);
    expect(text).toContain("after 4 attempts");
    expect(text).toMatch(/Not in the DLQ: dlq_not_there/);
    // One GET per entry, then one logs request naming every run exactly.
    const logs = fixture.emulator.requests.filter((request) => request.path === "/v2/workflows/logs");
    expect(logs).toHaveLength(1);
    expect(new URLSearchParams(logs[0]?.query).get("workflowRuns")).toBe(
      [external, withCallback]
        .map((message) => `${message.workflowRunId}@${message.workflowCreatedAt}`)
        .join(","),
    );
  });

  it("adds headers and bodies only when asked", async () => {
    const withBody = messages.find((message) => message.body !== undefined) as DlqMessage;
    const { data } = await inspect({ dlqIds: [withBody.dlqId], includeHeaders: true, includeBodies: true });
    expect(data.entries[0]?.entry.header).toEqual(withBody.header);
    expect(data.entries[0]?.entry.body).toBe(withBody.body);
  });

  it("reports an entry resumed since as gone, and still shows the others", async () => {
    const [a, b] = messages;
    const resumed = await fixture.call("dlq_resume", { dlqIds: [a?.dlqId] });
    expect(resumed.isError).toBeFalsy();
    const { data } = await inspect({ dlqIds: [a?.dlqId, b?.dlqId] });
    expect(data.gone).toEqual([a?.dlqId]);
    expect(data.entries.map((entry) => entry.dlqId)).toEqual([b?.dlqId]);
  });

  it("refuses more than 10 dlqIds and sends nothing", async () => {
    const result = await fixture.call("dlq_inspect", { dlqIds: messages.slice(0, 11).map((m) => m.dlqId) });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/at most 10 dlqIds/);
    expect(fixture.emulator.requests).toHaveLength(0);
  });

  it("keeps ten entries with large headers and bodies within the result bound", async () => {
    const big = messages.slice(0, 10).map((message, index) => ({
      ...message,
      body: "x".repeat(30_000),
      responseBody: `Error ${index}\n${"    at frame (/var/task/route.js:1:1)\n".repeat(800)}`,
      header: { "X-Large": ["y".repeat(20_000)] },
    }));
    fixture.emulator.reset({ messages: big });
    const result = await fixture.call("dlq_inspect", {
      dlqIds: big.map((message) => message.dlqId),
      includeHeaders: true,
      includeBodies: true,
    });
    expect(result.isError).toBeFalsy();
    const chars = textChars(result);
    expect(chars).toBeLessThanOrEqual(40_000);
    const data = result.structuredContent as unknown as Inspected;
    expect(data.entries).toHaveLength(10);
    for (const entry of data.entries) expect(entry.run?.attempts.at(-1)?.state).toBe("STEP_FAILED");
  });
});

describe("dlq_inspect at the smallest result bound", () => {
  const fixture = useFixture(SEED_OPTIONS, { args: ["--max-result-chars", "10000"] });

  it("stays within 10,000 characters with escape-heavy headers, bodies and URLs, naming what it left out", async () => {
    // Quotes and control characters double in JSON: a cut by characters alone would overflow.
    const noisy = '"\u0001\\'.repeat(4_000);
    const big = messages.slice(0, 10).map((message) => ({
      ...message,
      workflowUrl: `https://api.example.com/${"w".repeat(900)}`,
      url: `https://pay.example.com/${'"'.repeat(900)}`,
      body: noisy,
      responseBody: noisy,
      header: { "X-Noise": [noisy] },
      responseHeader: { "X-Noise": [noisy] },
      label: "l".repeat(500),
    }));
    fixture.emulator.reset({ messages: big });
    const ids = big.map((message) => message.dlqId);
    const result = await fixture.call("dlq_inspect", {
      dlqIds: ids,
      includeHeaders: true,
      includeBodies: true,
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    const chars = textChars(result);
    expect(chars).toBeLessThanOrEqual(10_000);
    const data = result.structuredContent as unknown as Inspected & { notShown?: string[] };
    // Every id is accounted for: shown, or named as left out.
    expect([...data.entries.map((entry) => entry.dlqId), ...(data.notShown ?? [])]).toEqual(ids);
    expect(data.entries.length).toBeGreaterThan(0);
  });
});

describe("dlq_inspect with ids that are long and gone", () => {
  const fixture = useFixture(SEED_OPTIONS, { args: ["--max-result-chars", "10000"] });

  it("keeps the entry it found and cuts the list of gone ids to fit, counting them all", async () => {
    // 256 characters, each escaped to six in JSON: ten such ids are 15,000 characters alone.
    const gone = Array.from({ length: 9 }, (_, index) => `${index}${"\u0001".repeat(255)}`);
    const found = messages[0] as DlqMessage;
    const result = await fixture.call("dlq_inspect", { dlqIds: [found.dlqId, ...gone] });
    expect(result.isError, textOf(result)).toBeFalsy();
    const chars = textChars(result);
    expect(chars).toBeLessThanOrEqual(10_000);
    const data = result.structuredContent as unknown as Inspected & {
      goneCount?: number;
      notShown?: string[];
    };
    expect(data.entries.map((entry) => entry.dlqId)).toEqual([found.dlqId]);
    expect(data.notShown).toBeUndefined();
    expect(data.goneCount).toBe(9);
    expect(data.gone.length).toBeLessThan(9);
    for (const id of data.gone) expect(gone).toContain(id);
  });
});
