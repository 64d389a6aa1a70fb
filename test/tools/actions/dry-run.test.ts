import { describe, expect, it } from "vitest";
import { hasLabel, SEED_OPTIONS, seededMessages } from "../../support/data.js";
import { resumeData, textOf, useFixture } from "../../support/harness.js";

const messages = seededMessages();
const label = "payments";

describe("dry run and grouped summaries", () => {
  const fixture = useFixture(SEED_OPTIONS);

  const changingRequests = () => fixture.emulator.requests.filter((request) => request.method !== "GET");

  it("for ids: tells which exist and which do not, and resumes nothing", async () => {
    const ids = [messages[0]?.dlqId, messages[1]?.dlqId, "dlq_missing_1", messages[2]?.dlqId];
    const result = await fixture.call("dlq_resume", { dlqIds: ids, dryRun: true });
    const data = resumeData(result);
    expect(textOf(result)).toMatch(/^Dry run, nothing resumed: 3 of 4 ids are in the DLQ/);
    expect(data).toMatchObject({ resumed: 0, workflowRuns: [] });
    expect(data.preview).toMatchObject({
      matched: 3,
      matchedIsLowerBound: false,
      notFound: ["dlq_missing_1"],
    });
    expect(data.preview?.found).toEqual([messages[0]?.dlqId, messages[1]?.dlqId, messages[2]?.dlqId]);
    expect(changingRequests()).toEqual([]);
    expect(fixture.emulator.store.size).toBe(messages.length);
  });

  it("for a filter: counts the matches, groups them and samples a few, with no POST", async () => {
    const expected = messages.filter((message) => hasLabel(message, label));
    const data = resumeData(await fixture.call("dlq_resume", { filter: { label }, dryRun: true }));
    expect(data.preview).toMatchObject({ matched: expected.length, matchedIsLowerBound: false });
    const summary = data.preview?.summary as { entries: number; byLabel: { value: string; count: number }[] };
    expect(summary.entries).toBe(expected.length);
    expect(summary.byLabel.find((group) => group.value === label)?.count).toBe(expected.length);
    expect(data.preview?.sample.length).toBeLessThanOrEqual(5);
    expect(changingRequests()).toEqual([]);
    expect(fixture.emulator.resumed).toHaveLength(0);
  });

  it("for all: counts what this call would reach (maxPages × count) and flags that more remain", async () => {
    const result = await fixture.call("dlq_resume_all", { dryRun: true, maxPages: 1, count: 50 });
    const data = resumeData(result);
    expect(data.preview).toMatchObject({ matched: 50, matchedIsLowerBound: true });
    expect(textOf(result)).toMatch(
      /50 entries would be resumed by this call\. More match than this call would reach/,
    );
    expect(data.cursor).toBeUndefined();
    expect(changingRequests()).toEqual([]);
  });

  it("dlq_list summary groups the whole listing by error in one call", async () => {
    const result = await fixture.call("dlq_list", { summary: true, count: 100, maxPages: 5 });
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent as {
      returned: number;
      messages: unknown[];
      summary: { entries: number; byResponseStatus: { value: string; count: number }[] };
    };
    expect(data.returned).toBe(messages.length);
    expect(data.messages).toHaveLength(5);
    expect(data.summary.entries).toBe(messages.length);
    const byStatus = new Map<string, number>();
    for (const message of messages) {
      const status = String(message.responseStatus);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    }
    expect(new Map(data.summary.byResponseStatus.map((group) => [group.value, group.count]))).toEqual(
      byStatus,
    );
    expect(textOf(result)).toMatch(/Largest groups: status \d+ ×\d+/);
  });
});
