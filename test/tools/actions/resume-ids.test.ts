import { describe, expect, it } from "vitest";
import { SEED_OPTIONS, seededMessages } from "../../support/data.js";
import { resumeData, textOf, useFixture } from "../../support/harness.js";

const messages = seededMessages();
const ids = messages.map((message) => message.dlqId);

describe("dlq_resume by dlqIds", () => {
  const fixture = useFixture(SEED_OPTIONS);
  /** A resumed run has a new id; the emulator's records say which entry it came from. */
  const runIdOf = (dlqId: string) =>
    fixture.emulator.resumed.find((record) => record.dlqId === dlqId)?.workflowRunId;

  const resumeRequests = () =>
    fixture.emulator.requests.filter((request) => request.path === "/v2/workflows/dlq/resume");

  it("resumes one id and returns its run", async () => {
    const data = resumeData(await fixture.call("dlq_resume", { dlqIds: [ids[0]] }));
    expect(data).toMatchObject({ mode: "ids", resumed: 1, pages: 1, complete: true, stopReason: "done" });
    expect(data.workflowRuns[0]?.workflowRunId).toBe(runIdOf(ids[0] as string));
    expect(data.cursor).toBeUndefined();
    expect(fixture.emulator.resumed.map((record) => record.dlqId)).toEqual([ids[0]]);
  });

  it("names the dlqId a run was when its request named one id, and the journal pairs every batch's ids with its runs", async () => {
    const before = fixture.journalLines().length;
    const single = resumeData(await fixture.call("dlq_resume", { dlqIds: [ids[0]] }));
    expect(single.workflowRuns).toEqual([
      expect.objectContaining({ dlqId: ids[0], workflowRunId: runIdOf(ids[0] as string) }),
    ]);
    // A batch's answer lists its runs in no documented order: they are not paired with ids by guess.
    const chosen = ids.slice(1, 71);
    const batch = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen }));
    expect(batch.workflowRuns).toHaveLength(70);
    expect(batch.workflowRuns.every((run) => run.dlqId === undefined)).toBe(true);
    // The journal holds every earlier test's calls too: only this test's count.
    const lines = fixture
      .journalLines()
      .slice(before)
      .filter((line) => line.type === "request" && line.status === 200);
    const mapped = lines.filter((line) => line.runsByDlqId !== undefined);
    expect(mapped.map((line) => line.runsByDlqId)).toEqual([
      { [ids[0] as string]: runIdOf(ids[0] as string) },
    ]);
    const batches = lines.filter((line) => line.runsByDlqId === undefined);
    const sent = batches.flatMap((line) => new URLSearchParams(line.query as string).getAll("dlqIds"));
    const answered = batches.flatMap((line) => line.runIds as string[]);
    expect(sent.sort()).toEqual([...chosen].sort());
    expect(answered.sort()).toEqual(chosen.map((id) => runIdOf(id)).sort());
  });

  it("splits more than 50 ids into requests of at most 50", async () => {
    const chosen = ids.slice(0, 120);
    const data = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen }));
    expect(data.resumed).toBe(120);
    expect(data.pages).toBe(3);
    const sizes = resumeRequests().map((request) => request.query.filter(([key]) => key === "dlqIds").length);
    expect(sizes.sort((a, b) => b - a)).toEqual([50, 50, 20]);
    expect(new Set(fixture.emulator.resumed.map((record) => record.dlqId))).toEqual(new Set(chosen));
  });

  it("sends batches concurrently yet lists the resumed runs in the order of the ids given", async () => {
    const chosen = [...ids].reverse();
    const data = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen }));
    expect(data.pages).toBe(3);
    expect(data.workflowRuns.map((run) => run.workflowRunId)).toEqual(chosen.map((id) => runIdOf(id)));
  });

  it("stops at maxPages with a cursor, and the cursor finishes the list without resuming anything twice", async () => {
    const chosen = ids.slice(0, 120);
    const first = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen, maxPages: 1 }));
    expect(first).toMatchObject({ resumed: 50, pages: 1, complete: false, stopReason: "maxPages" });
    expect(first.cursor).toBeTruthy();
    const second = resumeData(
      await fixture.call("dlq_resume", { dlqIds: chosen, maxPages: 1, cursor: first.cursor }),
    );
    expect(second.resumed).toBe(50);
    const third = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen, cursor: second.cursor }));
    expect(third).toMatchObject({ resumed: 20, complete: true, stopReason: "done" });
    expect(third.cursor).toBeUndefined();
    const all = [...first.workflowRuns, ...second.workflowRuns, ...third.workflowRuns].map(
      (run) => run.workflowRunId,
    );
    expect(new Set(all).size).toBe(120);
    expect(fixture.emulator.resumed).toHaveLength(120);
  });

  it("after a batch fails mid-list, the cursor skips the later batches that went through", async () => {
    const chosen = ids.slice(0, 120);
    // The second batch (ids 50–99) fails for good; the first and third go through.
    fixture.emulator.inject({
      kind: "503",
      times: Number.POSITIVE_INFINITY,
      match: (request) => request.query.some(([key, value]) => key === "dlqIds" && value === chosen[50]),
    });
    const first = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen }));
    expect(first).toMatchObject({ resumed: 70, stopReason: "error" });
    fixture.emulator.clearFaults();
    const rest = resumeData(await fixture.call("dlq_resume", { dlqIds: chosen, cursor: first.cursor }));
    expect(rest).toMatchObject({ resumed: 50, stopReason: "done" });
    expect(rest.notFound).toBeUndefined();
    expect(new Set(fixture.emulator.resumed.map((record) => record.dlqId))).toEqual(new Set(chosen));
    expect(fixture.emulator.resumed).toHaveLength(120);
  });

  it("refuses a cursor from another id list, sending no request", async () => {
    const first = resumeData(await fixture.call("dlq_resume", { dlqIds: ids.slice(0, 60), maxPages: 1 }));
    fixture.emulator.clearRequests();
    const result = await fixture.call("dlq_resume", { dlqIds: ids.slice(60, 120), cursor: first.cursor });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/different dlqIds list/);
    expect(fixture.emulator.requests).toHaveLength(0);
  });

  it("resumes the ids that exist and names the ones that are not in the DLQ", async () => {
    // The missing id is alone in its request (50 ids a request), so the 404 says just that: a 404
    // for several ids would not say whether the others were resumed (id-list-regressions.test.ts).
    const existing = ids.slice(0, 50);
    const data = resumeData(
      await fixture.call("dlq_resume", { dlqIds: [...existing, "dlq_does_not_exist"] }),
    );
    expect(data.resumed).toBe(50);
    expect(data.notFound).toEqual(["dlq_does_not_exist"]);
    expect(sortedRunIds(data)).toEqual(existing.map(runIdOf).sort());
  });

  it("returns a tool error naming the id when it is not in the DLQ", async () => {
    const result = await fixture.call("dlq_resume", { dlqIds: ["dlq_gone_1"] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/not in the DLQ.*dlq_gone_1/);
  });

  it("reports an id resumed twice as not found the second time", async () => {
    resumeData(await fixture.call("dlq_resume", { dlqIds: [ids[5]] }));
    const again = await fixture.call("dlq_resume", { dlqIds: [ids[5]] });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain(ids[5]);
    expect(fixture.emulator.resumed).toHaveLength(1);
  });

  it("sends flow control and retries with every batch", async () => {
    await fixture.call("dlq_resume", {
      dlqIds: ids.slice(0, 70),
      flowControl: { key: "payments-resume", parallelism: 3, rate: 10, period: "1m" },
      retries: 0,
    });
    const requests = resumeRequests();
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request.headers["upstash-flow-control-key"]).toBe("payments-resume");
      expect(request.headers["upstash-flow-control-value"]).toBe("parallelism=3, rate=10, period=1m");
      expect(request.headers["upstash-retries"]).toBe("0");
    }
    expect(fixture.emulator.resumed.every((record) => record.retries === 0)).toBe(true);
  });
});

function sortedRunIds(data: { workflowRuns: { workflowRunId: string }[] }): string[] {
  return data.workflowRuns.map((run) => run.workflowRunId).sort();
}
