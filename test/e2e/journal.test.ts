/**
 * The audit journal on its own, and through the server: a line before every request, every line
 * redacted, and a write that fails neither silences the journal for good nor goes unreported.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Journal } from "../../src/journal.js";
import type { Logger, LogLevel } from "../../src/log.js";
import { Redactor } from "../../src/redact.js";
import { TOOLS } from "../../src/tools/index.js";
import { FIXED_NOW } from "../support/data.js";
import { startFixture } from "../support/harness.js";

interface Line {
  type: string;
  callId: string;
  tool?: string;
  args?: unknown;
  method?: string;
  path?: string;
  query?: string;
  status?: number;
}

function capture(): Logger & { lines: { level: LogLevel; message: string }[] } {
  const lines: { level: LogLevel; message: string }[] = [];
  return { lines, log: (level, message) => lines.push({ level, message }) };
}

function read(path: string): Line[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-journal-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the journal", () => {
  it("writes a sending line, with the call's id and brief arguments, before each request", () => {
    const path = join(dir, "sending.jsonl");
    const journal = new Journal(path, capture());
    const ids = Array.from({ length: 30 }, (_, index) => `dlq_${index}`);
    const call = journal.startCall("dlq_resume", "ids", { dlqIds: ids });
    call.sending({ method: "POST", path: "/v2/workflows/dlq/resume", query: "dlqIds=dlq_0" });
    call.request({ method: "POST", path: "/v2/workflows/dlq/resume", query: "dlqIds=dlq_0", status: 200 });
    journal.close();

    const [opened, sending, answered] = read(path);
    expect(sending).toMatchObject({
      type: "sending",
      callId: opened?.callId,
      tool: "dlq_resume",
      method: "POST",
      path: "/v2/workflows/dlq/resume",
      query: "dlqIds=dlq_0",
    });
    expect(sending).not.toHaveProperty("status");
    // The same shortened arguments as the request line that follows.
    expect(sending?.args).toEqual(answered?.args);
    expect((sending?.args as { dlqIds?: string[] } | undefined)?.dlqIds).toHaveLength(21);
    expect(call.failed).toBe(false);
    expect(call.lostLines).toBe(0);
  });

  it("passes every line through the redactor", () => {
    const path = join(dir, "redacted.jsonl");
    class Masking extends Redactor {
      override text(value: string): string {
        return value.replaceAll("s3cr3t-value", "[redacted]");
      }
    }
    const journal = new Journal(path, capture(), { redactor: new Masking(undefined) });
    const call = journal.startCall("dlq_list", "filter", { label: "s3cr3t-value" });
    call.sending({ method: "GET", path: "/v2/dlq", query: "label=s3cr3t-value" });
    call.request({ method: "GET", path: "/v2/dlq", query: "label=s3cr3t-value", status: 500 });
    call.outcome({ error: "QStash said s3cr3t-value" });
    journal.close();
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain("s3cr3t-value");
    expect(text.match(/\[redacted\]/g)).toHaveLength(6);
  });

  it("scrubs an argument before cutting it short, so no prefix of the token survives the cut", () => {
    const path = join(dir, "straddle.jsonl");
    const token = "qstash_tok_9f8e7d6c5b4a";
    const journal = new Journal(path, capture(), { redactor: new Redactor(token) });
    // Arguments are cut at 512 characters; the token starts just before the cut.
    journal.startCall("dlq_list", "all", { cursor: `${"c".repeat(505)}${token}${"c".repeat(100)}` });
    journal.close();
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(token.slice(0, 7));
    expect(text).toContain(`${"c".repeat(505)}[redact`);
  });

  it("keeps trying after a failed write, reports it once per call, and tells the call", () => {
    // A regular file where the journal's directory should be: nothing can be written under it.
    const blocker = join(dir, "blocked");
    writeFileSync(blocker, "");
    const path = join(blocker, "journal.jsonl");
    const log = capture();
    const journal = new Journal(path, log);

    const first = journal.startCall("dlq_resume_all", "all", { count: 50 });
    first.sending({ method: "POST", path: "/v2/workflows/dlq/resume", query: "count=50" });
    first.request({ method: "POST", path: "/v2/workflows/dlq/resume", query: "count=50", status: 200 });
    expect(first.failed).toBe(true);
    expect(first.lostLines).toBe(3);
    const second = journal.startCall("dlq_list", "all", {});
    expect(second.lostLines).toBe(1);
    const errors = log.lines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(2);
    expect(errors[0]?.message).toContain(path);

    // The volume comes back: the very next line is written, with no restart.
    rmSync(blocker);
    first.outcome({ resumed: 50 });
    second.outcome({ returned: 0 });
    journal.close();
    expect(read(path).map((line) => line.type)).toEqual(["outcome", "outcome"]);
    expect(first.lostLines).toBe(3);
    expect(journal.lostLines).toBe(4);
    expect(log.lines.filter((line) => line.level === "warning")).toHaveLength(1);
  });

  it("drops and counts the lines of a call that outlives the journal", () => {
    const path = join(dir, "closed.jsonl");
    const journal = new Journal(path, capture());
    const call = journal.startCall("dlq_resume_all", "all", {});
    journal.close();
    call.outcome({ resumed: 0 });
    expect(read(path).map((line) => line.type)).toEqual(["call"]);
    expect(call.failed).toBe(true);
  });

  it("writes nothing, and misses nothing, when it is off", () => {
    const journal = new Journal(undefined, capture());
    const call = journal.startCall("dlq_list", "all", {});
    call.sending({ method: "GET", path: "/v2/dlq", query: "" });
    call.outcome({});
    expect(call.failed).toBe(false);
    expect(call.lostLines).toBe(0);
  });
});

describe.runIf(existsSync("/dev/full"))("a journal on a full disk", () => {
  it("logs one error per call, not one for the whole process, and the calls still answer", async () => {
    const fixture = await startFixture(
      { entries: 20, seed: 4, now: FIXED_NOW },
      { args: ["--journal", "/dev/full"] },
    );
    try {
      for (let call = 0; call < 3; call += 1) {
        const listed = await fixture.call("dlq_list", { count: 5 });
        expect(listed.isError).toBeFalsy();
      }
      const errors = fixture
        .stderr()
        .split("\n")
        .filter((line) => line.startsWith("[workflow-dlq-mcp] error: The journal at /dev/full"));
      expect(errors).toHaveLength(3);
    } finally {
      await fixture.close();
    }
  });

  it("is said by every tool that changes something, flow control and failure callbacks included", async () => {
    const fixture = await startFixture(
      { entries: 60, seed: 4, now: FIXED_NOW },
      { args: ["--journal", "/dev/full"] },
    );
    try {
      const entries = fixture.emulator.store.list();
      const [first] = entries;
      const resumed = await fixture.call("dlq_resume", {
        dlqIds: [first?.dlqId],
        flowControl: { key: "journal-full", rate: 5, period: "1s" },
      });
      expect(resumed.structuredContent).toMatchObject({ resumed: 1, journalIncomplete: true });

      const paused = await fixture.call("flow_control_update", { key: "journal-full", action: "pause" });
      expect(paused.isError).toBeFalsy();
      expect(paused.structuredContent).toMatchObject({ applied: true, journalIncomplete: true });
      const unknown = await fixture.call("flow_control_update", { key: "never-used", action: "pause" });
      expect(unknown.structuredContent).toMatchObject({ applied: false, journalIncomplete: true });

      // Not the entry resumed above, which has left the DLQ.
      const failing = entries.find(
        (message) =>
          message !== first &&
          (message.failureFunctionState ?? message.failureCallbackInfo?.state) === "CALLBACK_FAIL",
      );
      const retried = await fixture.call("dlq_retry_failure_callback", { dlqIds: [failing?.dlqId] });
      expect(retried.isError).toBeFalsy();
      expect(retried.structuredContent).toMatchObject({
        retried: [{ dlqId: failing?.dlqId }],
        journalIncomplete: true,
      });
    } finally {
      await fixture.close();
    }
  });
});

describe("journalIncomplete", () => {
  it("is declared by the result schema of every tool that changes something", () => {
    const changing = TOOLS.filter((tool) => tool.annotations.readOnlyHint !== true);
    expect(changing.map((tool) => tool.name)).toContain("flow_control_update");
    for (const tool of changing) {
      const schema = z.toJSONSchema(tool.outputSchema) as { properties?: Record<string, unknown> };
      expect(Object.keys(schema.properties ?? {}), tool.name).toContain("journalIncomplete");
    }
  });
});
