import { describe, expect, it } from "vitest";
import { fingerprint } from "../../src/engine/cursor.js";
import { optionsFingerprint } from "../../src/tools/shared/plan.js";
import { SEED_OPTIONS } from "../support/data.js";
import {
  resumeData,
  sealedCursor,
  startFixture,
  TEST_TOKEN,
  textOf,
  useFixture,
} from "../support/harness.js";

describe("errors from QStash", () => {
  const fixture = useFixture(SEED_OPTIONS);

  it("400: says the request was rejected and what the server said, nothing resumed", async () => {
    // One of our cursors, for this very selection, carrying a QStash cursor that QStash refuses
    // (one it never issued, or one that expired).
    const cursor = sealedCursor({
      tool: "dlq_resume_all",
      selection: fingerprint(["dlq_resume_all", "all", null]),
      // The options of a call that passes none.
      options: optionsFingerprint({}),
      next: "not-a-cursor-the-server-issued",
      until: Date.now(),
    });
    const result = await fixture.call("dlq_resume_all", { cursor });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /QStash rejected the request as invalid \(400, POST \/v2\/workflows\/dlq\/resume\)/,
    );
    expect(textOf(result)).toMatch(/The server said: ".*cursor.*"/i);
    expect(textOf(result)).toMatch(/Nothing was resumed/);
    expect(fixture.emulator.resumed).toHaveLength(0);
  });

  it("500 in the middle: a partial result with the runs resumed so far and the cursor to continue", async () => {
    fixture.emulator.inject({
      kind: "500",
      after: 1,
      times: Number.POSITIVE_INFINITY,
      match: (request) => request.path.endsWith("/resume"),
    });
    const result = await fixture.call("dlq_resume_all", { count: 50, maxPages: 10 });
    expect(result.isError).toBeFalsy();
    const data = resumeData(result);
    expect(textOf(result)).toMatch(
      /^Partial: resumed 50 runs in 1 request, then failed: QStash answered 500/,
    );
    expect(data).toMatchObject({ resumed: 50, complete: false, stopReason: "error", error: { status: 500 } });
    expect(data.cursor).toBeTruthy();
    fixture.emulator.clearFaults();
    const rest = resumeData(
      await fixture.call("dlq_resume_all", { count: 50, maxPages: 10, cursor: data.cursor }),
    );
    expect(rest).toMatchObject({ complete: true, stopReason: "done" });
    const all = [...data.workflowRuns, ...rest.workflowRuns].map((run) => run.workflowRunId);
    expect(new Set(all).size).toBe(SEED_OPTIONS.entries);
    expect(fixture.emulator.resumed).toHaveLength(SEED_OPTIONS.entries);
  });
});

describe("a rejected token", () => {
  it("401: names the variable to check and never shows the token", async () => {
    const fixture = await startFixture(SEED_OPTIONS, { env: { QSTASH_TOKEN: "wrong_token_9a8b7c" } });
    try {
      for (const [tool, args] of [
        ["dlq_list", {}],
        ["dlq_resume", { filter: { label: "payments" } }],
        ["dlq_resume_all", {}],
      ] as const) {
        const result = await fixture.call(tool, args);
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(/QStash rejected the token \(401\)\. Check QSTASH_TOKEN/);
        expect(textOf(result)).not.toContain("wrong_token_9a8b7c");
      }
      expect(fixture.emulator.requests.every((request) => request.status === 401)).toBe(true);
      expect(fixture.stderr()).not.toContain("wrong_token_9a8b7c");
      expect(fixture.stderr()).not.toContain(TEST_TOKEN);
    } finally {
      await fixture.close();
    }
  });
});
