import { describe, expect, it } from "vitest";
import type { RecordedRequest } from "../../src/emulator/index.js";
import { SEED_OPTIONS, seededMessages } from "../support/data.js";
import { connectServer, resumeData, startFixture, textOf, useFixture } from "../support/harness.js";

const ids = seededMessages().map((message) => message.dlqId);
const onResume = (request: { path: string }) => request.path === "/v2/workflows/dlq/resume";
const resumeRequests = (requests: RecordedRequest[]) => requests.filter(onResume);

describe("retries that respect the server", () => {
  const fixture = useFixture(SEED_OPTIONS);

  it.each(["429-burst", "429-retry-after"] as const)(
    "%s: waits until the server's reset, then finishes, with nothing lost",
    async (kind) => {
      const resetAt = Math.ceil(Date.now() / 1000) + 1;
      fixture.emulator.inject({ kind, after: 1, match: onResume, resetAt });
      const data = resumeData(await fixture.call("dlq_resume_all", { count: 50, maxPages: 10 }));
      expect(data).toMatchObject({ complete: true, stopReason: "done", resumed: SEED_OPTIONS.entries });
      expect(data.unreportedPossible).toBeUndefined();
      const requests = resumeRequests(fixture.emulator.requests);
      const limited = requests.findIndex((request) => request.status === 429);
      expect(limited).toBe(1);
      const retried = requests[limited + 1] as RecordedRequest;
      // The retry carries the same cursor, and (for the burst reset header) comes no earlier than the reset.
      expect(retried.query).toEqual(requests[limited]?.query);
      if (kind === "429-burst") expect(retried.at).toBeGreaterThanOrEqual(resetAt * 1000);
    },
  );

  it("429 with a daily reset hours away: stops at once with the cursor instead of waiting", async () => {
    fixture.emulator.inject({
      kind: "429-daily",
      after: 1,
      match: onResume,
      times: Number.POSITIVE_INFINITY,
    });
    const result = await fixture.call("dlq_resume_all", { count: 50, maxPages: 10 });
    const data = resumeData(result);
    expect(data).toMatchObject({
      resumed: 50,
      stopReason: "error",
      error: { kind: "rateLimited", status: 429 },
    });
    expect(data.error?.retryAfterSeconds).toBeGreaterThan(60);
    expect(data.cursor).toBeTruthy();
    expect(textOf(result)).toMatch(/^Partial: resumed 50 runs/);
    expect(resumeRequests(fixture.emulator.requests)).toHaveLength(2);
  });

  it("503 on a page by cursor: never repeated, since QStash may have done it; the call says how many runs may be unlisted and the cursor goes on", async () => {
    fixture.emulator.inject({ kind: "503", after: 1, match: onResume });
    const data = resumeData(await fixture.call("dlq_resume_all", { count: 50, maxPages: 10 }));
    expect(data).toMatchObject({
      complete: false,
      stopReason: "error",
      resumed: 50,
      unreportedPossible: true,
      unreportedAtMost: 50,
    });
    expect(resumeRequests(fixture.emulator.requests).map((request) => request.status)).toEqual([200, 503]);
    const rest = resumeData(
      await fixture.call("dlq_resume_all", { count: 50, maxPages: 10, cursor: data.cursor }),
    );
    expect(rest).toMatchObject({ complete: true, resumed: SEED_OPTIONS.entries - 50 });
  });

  it("503 twice on an id batch: backs off and retries it, since the ids tell what it did", async () => {
    fixture.emulator.inject({ kind: "503", times: 2, match: onResume });
    const data = resumeData(await fixture.call("dlq_resume", { dlqIds: ids.slice(0, 40) }));
    expect(data).toMatchObject({ complete: true, resumed: 40 });
    expect(resumeRequests(fixture.emulator.requests).map((request) => request.status)).toEqual([
      503, 503, 200,
    ]);
  });

  it("a dropped answer on an id batch: the retry's 404 is reported as probably resumed, not as an error", async () => {
    const chosen = ids.slice(0, 60);
    fixture.emulator.inject({ kind: "reset-after", match: onResume });
    const result = await fixture.call("dlq_resume", { dlqIds: chosen });
    const data = resumeData(result);
    expect(data.probablyResumed).toEqual(chosen.slice(0, 50));
    expect(data.resumed).toBe(10);
    expect(data.notFound).toBeUndefined();
    expect(data.stopReason).toBe("done");
    expect(textOf(result)).toMatch(/were most likely resumed by it/);
    expect(new Set(fixture.emulator.resumed.map((record) => record.dlqId))).toEqual(new Set(chosen));
  });
});

describe("attempts are configurable", () => {
  it("--max-attempts 1 gives up on the first 503", async () => {
    const fixture = await startFixture(SEED_OPTIONS, { args: ["--max-attempts", "1"] });
    try {
      fixture.emulator.inject({ kind: "503", match: onResume });
      const result = await fixture.call("dlq_resume_all", {});
      expect(result.isError).toBeFalsy();
      expect(resumeData(result)).toMatchObject({ stopReason: "error", resumed: 0, unreportedPossible: true });
      expect(resumeRequests(fixture.emulator.requests)).toHaveLength(1);
    } finally {
      await fixture.close();
    }
  });
});

describe("an unreachable QStash", () => {
  it("connection refused is surely not processed: a tool error that says nothing was resumed", async () => {
    const connected = await connectServer({
      env: { QSTASH_URL: "http://127.0.0.1:9", QSTASH_TOKEN: "token_for_nowhere" },
      args: ["--max-attempts", "2"],
      secrets: ["token_for_nowhere"],
    });
    try {
      const result = await connected.client.callTool({ name: "dlq_resume_all", arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result as never)).toMatch(
        /Could not connect to QStash at http:\/\/127\.0\.0\.1:9.*Nothing was resumed/s,
      );
    } finally {
      await connected.close();
    }
  });
});
