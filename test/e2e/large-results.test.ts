import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXED_NOW, seededMessages, sortedIds } from "../support/data.js";
import { type Fixture, resumeData, startFixture, textOf } from "../support/harness.js";

const OPTIONS = { entries: 300, seed: 11, now: FIXED_NOW };

describe("large results", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(OPTIONS, { args: ["--inline-runs", "40"] });
  });
  afterAll(() => fixture.close());

  it("lists the first runs inline and links the full list as a resource readable later in the session", async () => {
    const result = await fixture.call("dlq_resume_all", { count: 50, maxPages: 4 });
    const data = resumeData(result) as ReturnType<typeof resumeData> & {
      workflowRunsTruncated?: boolean;
      workflowRunsResource?: string;
    };
    expect(data.resumed).toBe(200);
    expect(data.workflowRuns).toHaveLength(40);
    expect(data.workflowRunsTruncated).toBe(true);
    const link = result.content.find((part) => part.type === "resource_link");
    expect(link).toMatchObject({
      type: "resource_link",
      uri: data.workflowRunsResource,
      mimeType: "application/json",
    });
    expect(textOf(result).split("\n")[0]).toMatch(
      /Listing the first 40 of 200 runs; all of them are at workflow-dlq:\/\//,
    );

    const read = await fixture.client.readResource({ uri: data.workflowRunsResource as string });
    const listed = JSON.parse((read.contents[0] as { text: string }).text) as {
      workflowRuns: { workflowRunId: string }[];
    };
    expect(listed.workflowRuns).toHaveLength(200);
    expect(listed.workflowRuns.slice(0, 40)).toEqual(data.workflowRuns);
    expect(sortedIds(listed.workflowRuns.map((run) => run.workflowRunId))).toEqual(
      sortedIds(fixture.emulator.resumed.map((record) => record.workflowRunId)),
    );
    const { resources } = await fixture.client.listResources();
    expect(resources.map((resource) => resource.uri)).toContain(data.workflowRunsResource);
  });

  it("answers a report it does not have with resource-not-found, naming the URI", async () => {
    const uri = "workflow-dlq://resumed-runs/0000000000000000";
    const refused = await fixture.client.readResource({ uri }).then(
      () => undefined,
      (error: { code?: number; data?: { uri?: string }; message: string }) => error,
    );
    expect(refused).toMatchObject({ code: -32602, data: { uri } });
    expect(refused?.message).toMatch(/only for the session/);
  });

  it("keeps the text summary to a few lines whatever the size", async () => {
    const result = await fixture.call("dlq_resume_all", { count: 50, maxPages: 10 });
    const summary = (result.content[0] as { text: string }).text;
    expect(summary.split("\n")).toHaveLength(1);
    expect(summary.length).toBeLessThan(400);
    expect(resumeData(result).resumed).toBe(seededMessages({ entries: 300, seed: 11 }).length - 200);
  });
});
