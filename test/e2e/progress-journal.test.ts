import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SEED_OPTIONS, seededMessages } from "../support/data.js";
import { connectServer, type Fixture, resumeData, startFixture, TEST_TOKEN } from "../support/harness.js";

const ids = seededMessages().map((message) => message.dlqId);

describe("progress notifications", () => {
  let fixture: Fixture;
  const received = new Map<string | number, Progress[]>();
  beforeAll(async () => {
    fixture = await startFixture(SEED_OPTIONS);
    // Collected by token with our own handler: the SDK client hands progress to callers in a later
    // microtask than the response, so a notification that arrives with the response can be dropped.
    fixture.client.onProgress((params) => {
      const { progressToken, ...progress } = params;
      received.set(progressToken, [...(received.get(progressToken) ?? []), progress]);
    });
  });
  afterAll(() => fixture.close());
  beforeEach(() => fixture.emulator.reset(SEED_OPTIONS));

  const callWithProgress = async (name: string, args: Record<string, unknown>, token: string) => {
    const result = await fixture.client.callTool({ name, arguments: args, _meta: { progressToken: token } });
    await new Promise((resolve) => setImmediate(resolve));
    return { result, updates: received.get(token) ?? [] };
  };

  it("arrive after every page with the runs resumed so far", async () => {
    const { result, updates } = await callWithProgress("dlq_resume_all", { count: 25, maxPages: 3 }, "all-1");
    expect(result.isError).toBeFalsy();
    expect(updates.map((update) => update.progress)).toEqual([25, 50, 75]);
    expect(updates[0]?.message).toMatch(/25 runs resumed/);
  });

  it("carry the total for an id list", async () => {
    const { updates } = await callWithProgress("dlq_resume", { dlqIds: ids.slice(80, 120) }, "ids-1");
    expect(updates).toEqual([{ progress: 40, total: 40, message: "40 of 40 ids handled, 40 runs resumed" }]);
  });

  it("are not sent when the client asks for none", async () => {
    const before = received.size;
    await fixture.client.callTool({ name: "dlq_resume_all", arguments: { count: 10, maxPages: 2 } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.size).toBe(before);
  });
});

describe("the audit journal", () => {
  it("records the call, every request with the run ids it returned, and the outcome", async () => {
    const fixture = await startFixture(SEED_OPTIONS);
    try {
      const data = resumeData(
        await fixture.call("dlq_resume", { filter: { label: "payments" }, count: 5, maxPages: 2 }),
      );
      const lines = fixture.journalLines();
      // The snapshot read, then two resume pages, each written down before it is sent.
      expect(lines.map((line) => line.type)).toEqual([
        "call",
        "sending",
        "request",
        "sending",
        "request",
        "sending",
        "request",
        "outcome",
      ]);
      const [call, , probe, sending, first, , , outcome] = lines as Record<string, unknown>[];
      expect(probe).toMatchObject({ method: "GET", path: "/v2/workflows/dlq", status: 200 });
      expect(sending).toMatchObject({ method: "POST", path: "/v2/workflows/dlq/resume", tool: "dlq_resume" });
      expect(sending).not.toHaveProperty("status");
      expect(call).toMatchObject({
        tool: "dlq_resume",
        mode: "filter",
        args: { filter: { label: "payments" }, count: 5 },
      });
      expect(first).toMatchObject({
        method: "POST",
        path: "/v2/workflows/dlq/resume",
        status: 200,
        tool: "dlq_resume",
        mode: "filter",
        args: { filter: { label: "payments" }, count: 5 },
      });
      expect(first?.query).toMatch(/label=payments&toDate=\d+&count=5/);
      expect(data.cursor).toBeTruthy();
      const journaled = lines.flatMap((line) => (line.runIds as string[] | undefined) ?? []);
      expect(journaled).toEqual(data.workflowRuns.map((run) => run.workflowRunId));
      expect(outcome).toMatchObject({
        stopReason: data.stopReason,
        resumed: data.resumed,
        cursor: data.cursor,
      });
      expect(new Set(lines.map((line) => line.callId)).size).toBe(1);
      expect(readFileSync(fixture.journalPath, "utf8")).not.toContain(TEST_TOKEN);
    } finally {
      await fixture.close();
    }
  });

  it("goes where --journal says, and nowhere with --no-journal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-journal-"));
    const path = join(dir, "audit", "incident.jsonl");
    const withPath = await startFixture(SEED_OPTIONS, { args: ["--journal", path] });
    const without = await startFixture(SEED_OPTIONS, { args: ["--no-journal"] });
    try {
      await withPath.call("dlq_list", { count: 1 });
      await without.call("dlq_list", { count: 1 });
      const types = readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { type: string }).type);
      expect(types).toEqual(["call", "sending", "request", "outcome"]);
      expect(existsSync(withPath.journalPath)).toBe(false);
      expect(existsSync(without.journalPath)).toBe(false);
    } finally {
      await withPath.close();
      await without.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is off by default in the sandbox, so trying things out leaves no audit trail", async () => {
    const sandbox = await connectServer({ args: ["--sandbox", "--sandbox-entries", "5"] });
    try {
      await sandbox.client.callTool({ name: "dlq_resume_all", arguments: {} });
      expect(existsSync(sandbox.journalPath)).toBe(false);
    } finally {
      await sandbox.close();
    }
  });
});
