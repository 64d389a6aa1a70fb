import { describe, expect, it } from "vitest";
import { encodeQuery } from "../../src/qstash/query.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { resumeData, textOf, useFixture } from "../support/harness.js";

const MESSAGES: DlqMessage[] = Array.from({ length: 120 }, (_, index) => ({
  dlqId: `dlq_reg${String(index).padStart(3, "0")}`,
  workflowRunId: `wfr_reg${index}`,
  workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
  createdAt: FIXED_NOW - 200_000 + index * 100,
  label: "orders",
  responseStatus: 502,
}));
const IDS = MESSAGES.map((message) => message.dlqId);
const onResume = (request: { method: string; path: string }) =>
  request.method === "POST" && request.path === "/v2/workflows/dlq/resume";
const onLookup = (request: { method: string; path: string }) =>
  request.method === "GET" && request.path.startsWith("/v2/workflows/dlq/");

describe("id lists", () => {
  const fixture = useFixture({ messages: MESSAGES }, { args: ["--max-attempts", "2", "--timeout", "1"] });

  it("continues after a lost answer whose lookups also failed, naming those ids as probably resumed, not missing", async () => {
    const second = IDS.slice(50, 100);
    // The second batch is processed but its answer is lost every time, and the lookups that
    // would tell what it did fail too: the call cannot know.
    fixture.emulator.inject({
      kind: "reset-after",
      times: Number.POSITIVE_INFINITY,
      match: (request) => onResume(request) && request.query.some(([, value]) => value === second[0]),
    });
    fixture.emulator.inject({ kind: "503", times: Number.POSITIVE_INFINITY, match: onLookup });
    const first = resumeData(await fixture.call("dlq_resume", { dlqIds: IDS, maxPages: 10 }));
    expect(first.stopReason).toBe("error");
    expect(first.unreportedPossible).toBe(true);
    expect(first.cursor).toBeTruthy();
    fixture.emulator.clearFaults();

    const rest = await fixture.call("dlq_resume", { dlqIds: IDS, maxPages: 10, cursor: first.cursor });
    const data = rest.structuredContent as { probablyResumed?: string[]; notFound?: string[] };
    expect(new Set(data.probablyResumed)).toEqual(new Set(second));
    expect(data.notFound ?? []).toEqual([]);
    expect(fixture.emulator.store.size).toBe(0);
  });

  it("settles a lost batch answer with lookups in the same call", async () => {
    const second = IDS.slice(50, 100);
    fixture.emulator.inject({
      kind: "reset-after",
      times: Number.POSITIVE_INFINITY,
      match: (request) => onResume(request) && request.query.some(([, value]) => value === second[0]),
    });
    const result = resumeData(await fixture.call("dlq_resume", { dlqIds: IDS, maxPages: 10 }));
    expect(new Set(result.probablyResumed)).toEqual(new Set(second));
    expect(result.unreportedPossible).toBeUndefined();
  });

  it("sizes batches as the wire encodes them, so no query is longer than QStash accepts", async () => {
    // URLSearchParams writes ' as %27 (three characters) where encodeURIComponent leaves it alone.
    const quoted = Array.from({ length: 40 }, (_, index) => `${"'".repeat(250)}${index}`);
    await fixture.call("dlq_resume", { dlqIds: quoted, maxPages: 100 });
    const resumes = fixture.emulator.requests.filter(onResume);
    expect(resumes.length).toBeGreaterThan(1);
    for (const request of resumes) {
      const query = encodeQuery({ dlqIds: request.query.map(([, value]) => value) });
      expect(query.length).toBeLessThanOrEqual(8_000);
    }
  });

  it("looks up many missing ids at once without a listener-leak warning", async () => {
    const missing = Array.from({ length: 200 }, (_, index) => `dlq_missing${index}`);
    const result = resumeData(await fixture.call("dlq_resume", { dlqIds: missing, maxPages: 10 }));
    // Each batch of several ids answered 404, which does not say whether it acted on any of them.
    expect(new Set(result.probablyResumed)).toEqual(new Set(missing));
    expect(fixture.emulator.resumed).toEqual([]);
    expect(fixture.stderr()).not.toMatch(/MaxListenersExceededWarning/);
  });
});

describe("id batches QStash answers for the ids it found", () => {
  // Resume by ids acts on the ids it finds and still answers 404; delete by ids counts what it
  // deleted (the emulator's partialIdBatches, on by default).
  const fixture = useFixture({ messages: MESSAGES });

  /** Every entry the call changed is in its report, and none of them is called not found. */
  function expectAllReported(data: Record<string, unknown>, action: "resume" | "restart") {
    const Done = action === "resume" ? "Resumed" : "Restarted";
    const runs = new Set(
      ((data.workflowRuns ?? []) as { workflowRunId: string }[]).map((run) => run.workflowRunId),
    );
    const probably = new Set((data[`probably${Done}`] ?? []) as string[]);
    const notFound = new Set((data.notFound ?? []) as string[]);
    for (const record of fixture.emulator.resumed) {
      expect(runs.has(record.workflowRunId) || probably.has(record.dlqId), record.dlqId).toBe(true);
      expect(notFound.has(record.dlqId), record.dlqId).toBe(false);
    }
  }

  it.each(["resume", "restart"] as const)(
    "a %s batch answered 404 reports the ids that left as probably changed, never as not found",
    async (action) => {
      const chosen = [IDS[0], "dlq_not_there", IDS[1], IDS[2]] as string[];
      const result = await fixture.call(`dlq_${action}`, { dlqIds: chosen });
      expect(result.isError).toBeFalsy();
      const data = result.structuredContent as Record<string, unknown>;
      // The request resumed the three it found although it answered 404.
      expect(fixture.emulator.resumed).toHaveLength(3);
      expectAllReported(data, action);
      expect(data.notFound).toBeUndefined();
      expect(textOf(result)).toMatch(/404/);
    },
  );

  it("names one missing id as not in the DLQ: a 404 for one id acted on nothing", async () => {
    const result = await fixture.call("dlq_resume", { dlqIds: ["dlq_not_there"] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/not in the DLQ.*dlq_not_there/);
  });

  it("a delete counted short names the ids that left as probably deleted, and resends none", async () => {
    const chosen = [IDS[10], "dlq_not_there", IDS[11]] as string[];
    const result = await fixture.call("dlq_delete", { dlqIds: chosen });
    const data = result.structuredContent as {
      deletedIds: string[];
      probablyDeleted?: string[];
      notFound?: string[];
    };
    expect(new Set([...data.deletedIds, ...(data.probablyDeleted ?? [])])).toEqual(new Set(chosen));
    expect(data.notFound).toBeUndefined();
    expect(fixture.emulator.store.has(IDS[10] as string)).toBe(false);
  });

  it("a delete that counted none names its ids as not in the DLQ", async () => {
    const result = await fixture.call("dlq_delete", { dlqIds: ["dlq_gone_1", "dlq_gone_2"] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/not in the DLQ.*dlq_gone_1, dlq_gone_2/);
    expect(fixture.emulator.store.size).toBe(MESSAGES.length);
  });
});

describe("id batches QStash refuses whole", () => {
  const fixture = useFixture({ messages: MESSAGES, quirks: { partialIdBatches: false } });

  it("a batch answered 404 with nothing acted on resends what is still there", async () => {
    const chosen = [IDS[5], "dlq_not_there", IDS[6], IDS[7]] as string[];
    const result = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen }));
    expect(result.resumed).toBe(3);
    expect(fixture.emulator.resumed.map((record) => record.dlqId).sort()).toEqual(
      [IDS[5], IDS[6], IDS[7]].sort(),
    );
    // A 404 does not say whether the rest were acted on, so the one gone cannot be called missing.
    expect(result.probablyResumed).toEqual(["dlq_not_there"]);
    expect(result.notFound).toBeUndefined();
  });
});

describe("reports kept for the session", () => {
  const fixture = useFixture({ messages: MESSAGES }, { args: ["--inline-runs", "1"] });

  it("keeps every report readable for the rest of the session, however many there are", async () => {
    const uris: string[] = [];
    for (let call = 0; call < 105; call += 1) {
      const data = resumeData(await fixture.call("dlq_resume", { dlqIds: IDS.slice(0, 2) }));
      uris.push(data.workflowRunsResource as string);
      fixture.emulator.reset({ messages: MESSAGES });
    }
    expect(new Set(uris).size).toBe(105);
    const oldest = await fixture.client.readResource({ uri: uris[0] as string });
    expect(JSON.parse((oldest.contents[0] as { text: string }).text).workflowRuns).toHaveLength(2);
  });
});
