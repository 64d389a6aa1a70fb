import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../../src/wire/types.js";
import { hasLabel, SEED_OPTIONS, seededMessages, sortedIds } from "../../support/data.js";
import { resumeData, textOf, useFixture } from "../../support/harness.js";

const messages = seededMessages();
const first = messages[0] as DlqMessage;
const withFlowKey = messages.find((message) => message.flowControlKey) as DlqMessage;
const withCallbackState = messages.find((message) => message.failureCallbackInfo?.state) as DlqMessage;
const labels = [...new Set(messages.map((message) => message.label).filter(Boolean))] as string[];
const urls = [...new Set(messages.map((message) => message.workflowUrl))] as string[];
const middle = messages[Math.floor(messages.length / 2)] as DlqMessage;
const later = messages[Math.floor((messages.length * 3) / 4)] as DlqMessage;

const cases: { name: string; filter: Record<string, unknown>; matches: (message: DlqMessage) => boolean }[] =
  [
    { name: "workflowUrl", filter: { workflowUrl: urls[0] }, matches: (m) => m.workflowUrl === urls[0] },
    {
      name: "several workflowUrls",
      filter: { workflowUrl: [urls[0], urls[1]] },
      matches: (m) => m.workflowUrl === urls[0] || m.workflowUrl === urls[1],
    },
    {
      name: "workflowRunId",
      filter: { workflowRunId: first.workflowRunId },
      matches: (m) => m.workflowRunId === first.workflowRunId,
    },
    {
      name: "workflowCreatedAt",
      filter: { workflowCreatedAt: first.workflowCreatedAt },
      matches: (m) => m.workflowCreatedAt === first.workflowCreatedAt,
    },
    { name: "label", filter: { label: labels[0] }, matches: (m) => hasLabel(m, labels[0] as string) },
    {
      name: "fromDate as milliseconds (inclusive)",
      filter: { fromDate: middle.createdAt },
      matches: (m) => m.createdAt >= middle.createdAt,
    },
    {
      name: "toDate as an ISO-8601 string (inclusive)",
      filter: { toDate: new Date(middle.createdAt).toISOString() },
      matches: (m) => m.createdAt <= middle.createdAt,
    },
    {
      name: "a date range",
      filter: { fromDate: new Date(middle.createdAt).toISOString(), toDate: later.createdAt },
      matches: (m) => m.createdAt >= middle.createdAt && m.createdAt <= later.createdAt,
    },
    { name: "callerIp", filter: { callerIp: first.callerIP }, matches: (m) => m.callerIP === first.callerIP },
    {
      name: "flowControlKey",
      filter: { flowControlKey: withFlowKey.flowControlKey },
      matches: (m) => m.flowControlKey === withFlowKey.flowControlKey,
    },
    {
      name: "failureFunctionState",
      filter: { failureFunctionState: withCallbackState.failureCallbackInfo?.state },
      matches: (m) => m.failureCallbackInfo?.state === withCallbackState.failureCallbackInfo?.state,
    },
    {
      name: "label and workflowUrl together",
      filter: { label: labels[0], workflowUrl: urls[0] },
      matches: (m) => hasLabel(m, labels[0] as string) && m.workflowUrl === urls[0],
    },
  ];

const resumeRequests = (
  requests: { method: string; path: string; query: [string, string][]; headers: Record<string, string> }[],
) => requests.filter((request) => request.method === "POST" && request.path === "/v2/workflows/dlq/resume");

describe("dlq_resume by filter", () => {
  const fixture = useFixture(SEED_OPTIONS);

  it.each(cases)("resumes exactly the entries matching $name", async ({ filter, matches }) => {
    const expected = messages.filter(matches);
    expect(expected.length).toBeGreaterThan(0);
    const data = resumeData(await fixture.call("dlq_resume", { filter, maxPages: 100 }));
    expect(data).toMatchObject({
      mode: "filter",
      complete: true,
      stopReason: "done",
      resumed: expected.length,
    });
    expect(sortedIds(fixture.emulator.resumed.map((record) => record.dlqId))).toEqual(
      sortedIds(expected.map((message) => message.dlqId)),
    );
    // Resumed runs have new ids: the emulator's records tie them to the entries' runs.
    expect(sortedIds(data.workflowRuns.map((run) => run.workflowRunId))).toEqual(
      sortedIds(fixture.emulator.resumed.map((record) => record.workflowRunId)),
    );
    expect(sortedIds(fixture.emulator.resumed.map((record) => record.originalWorkflowRunId))).toEqual(
      sortedIds(expected.map((message) => message.workflowRunId as string)),
    );
  });

  it("sends dates as Unix milliseconds", async () => {
    const iso = "2026-11-28T06:00:00.000Z";
    await fixture.call("dlq_resume", { filter: { fromDate: iso, toDate: Date.parse(iso) + 3_600_000 } });
    const query = resumeRequests(fixture.emulator.requests)[0]?.query ?? [];
    expect(query).toContainEqual(["fromDate", String(Date.parse(iso))]);
    expect(query).toContainEqual(["toDate", String(Date.parse(iso) + 3_600_000)]);
  });

  it("uses count as the page size and follows cursors up to maxPages", async () => {
    const label = labels[0] as string;
    const expected = messages.filter((m) => hasLabel(m, label));
    expect(expected.length).toBeGreaterThan(10);
    const firstCall = resumeData(
      await fixture.call("dlq_resume", { filter: { label }, count: 4, maxPages: 2 }),
    );
    expect(firstCall).toMatchObject({ resumed: 8, pages: 2, complete: false, stopReason: "maxPages" });
    expect(firstCall.cursor).toBeTruthy();
    for (const request of resumeRequests(fixture.emulator.requests)) {
      expect(request.query).toContainEqual(["count", "4"]);
    }

    const rest = resumeData(
      await fixture.call("dlq_resume", {
        filter: { label },
        count: 4,
        maxPages: 1000,
        cursor: firstCall.cursor,
      }),
    );
    expect(rest).toMatchObject({ complete: true, stopReason: "done" });
    expect(rest.cursor).toBeUndefined();
    const runIds = [...firstCall.workflowRuns, ...rest.workflowRuns].map((run) => run.workflowRunId);
    expect(new Set(runIds).size).toBe(runIds.length);
    expect(sortedIds(runIds)).toEqual(
      sortedIds(fixture.emulator.resumed.map((record) => record.workflowRunId)),
    );
    expect(sortedIds(fixture.emulator.resumed.map((record) => record.dlqId))).toEqual(
      sortedIds(expected.map((m) => m.dlqId)),
    );
  });

  it("says in one line how to continue when it stops at maxPages", async () => {
    const result = await fixture.call("dlq_resume", {
      filter: { toDate: later.createdAt },
      count: 5,
      maxPages: 1,
    });
    const summary = textOf(result).split("\n")[0] ?? "";
    expect(summary).toMatch(/Resumed 5 runs in 1 request/);
    expect(summary).toContain((result.structuredContent as { cursor: string }).cursor);
  });

  it("sends flow control with a numeric period as seconds, and retries", async () => {
    await fixture.call("dlq_resume", {
      filter: { label: labels[0] },
      flowControl: { key: "checkout.recovery_1", rate: 5, period: 30 },
      retries: 4,
    });
    const request = resumeRequests(fixture.emulator.requests)[0];
    expect(request?.headers["upstash-flow-control-key"]).toBe("checkout.recovery_1");
    expect(request?.headers["upstash-flow-control-value"]).toBe("rate=5, period=30s");
    expect(request?.headers["upstash-retries"]).toBe("4");
  });

  it("sends no retries header when retries is not given", async () => {
    await fixture.call("dlq_resume", { filter: { label: labels[0] }, maxPages: 1 });
    const [request] = resumeRequests(fixture.emulator.requests);
    expect(request?.headers).not.toHaveProperty("upstash-retries");
    expect(request?.headers).not.toHaveProperty("upstash-flow-control-key");
  });

  it("finds nothing for a filter that matches nothing, without sending a resume", async () => {
    const data = resumeData(await fixture.call("dlq_resume", { filter: { label: "no-such-label" } }));
    expect(data).toMatchObject({ resumed: 0, pages: 0, complete: true, stopReason: "done" });
    expect(resumeRequests(fixture.emulator.requests)).toEqual([]);
  });

  it("says what the DLQ holds that is close when a filter matches nothing", async () => {
    const label = labels[0] as string;
    const url = new URL(urls[0] as string);
    const result = await fixture.call("dlq_resume", { filter: { label: label.toUpperCase() } });
    const data = resumeData(result);
    expect(data.nearMisses?.join(" ")).toMatch(new RegExp(`label "${label}" .* only in case`));
    expect(textOf(result).split("\n")[0]).toMatch(/Nothing matched; close to it/);
    const byPath = resumeData(await fixture.call("dlq_resume", { filter: { workflowUrl: url.pathname } }));
    expect(byPath.nearMisses?.join(" ")).toMatch(/has that path: workflowUrl must be the whole URL/);
    const otherHost = resumeData(
      await fixture.call("dlq_resume", { filter: { workflowUrl: `https://staging.example${url.pathname}` } }),
    );
    expect(otherHost.nearMisses?.join(" ")).toMatch(/same path on another host/);
    expect(fixture.emulator.resumed).toHaveLength(0);
  });
});

describe("a run id in a filter", () => {
  // QStash's bulk endpoints may match workflowRunId as a prefix ("Run ID or ID prefix").
  const run = (dlqId: string, workflowRunId: string, offset: number): DlqMessage => ({
    ...first,
    dlqId,
    workflowRunId,
    createdAt: first.createdAt + offset,
  });
  const dlq = [
    run("dlq_exact_1", "wfr_short", 1),
    run("dlq_exact_2", "wfr_short", 2),
    run("dlq_longer", "wfr_shortXYZ", 3),
    run("dlq_unrelated", "wfr_other", 4),
  ];
  const fixture = useFixture({ messages: dlq });
  const left = () => sortedIds(fixture.emulator.store.list().map((message) => message.dlqId));

  it.each([
    ["dlq_resume", { filter: { workflowRunId: "wfr_short" } }],
    ["dlq_restart", { filter: { workflowRunId: "wfr_short" } }],
    ["dlq_delete", { filter: { workflowRunId: "wfr_short" } }],
  ])("a filter on a run id that is a prefix of another never touches the other: %s", async (tool, args) => {
    const result = await fixture.call(tool, args);
    expect(result.isError).toBeFalsy();
    expect(left()).toEqual(["dlq_longer", "dlq_unrelated"]);
    expect(fixture.emulator.resumed.map((record) => record.dlqId).sort()).toEqual(
      tool === "dlq_delete" ? [] : ["dlq_exact_1", "dlq_exact_2"],
    );
  });

  it("lists, previews and counts only the runs of exactly that id", async () => {
    const listed = await fixture.call("dlq_list", { filter: { workflowRunId: "wfr_short" } });
    const messages = (listed.structuredContent as { messages: { dlqId: string }[] }).messages;
    expect(sortedIds(messages.map((message) => message.dlqId))).toEqual(["dlq_exact_1", "dlq_exact_2"]);
    const preview = resumeData(
      await fixture.call("dlq_resume", { filter: { workflowRunId: "wfr_short" }, dryRun: true }),
    );
    expect(preview.preview).toMatchObject({ matched: 2 });
    expect(fixture.emulator.store.size).toBe(4);
  });
});
