/**
 * Defects a hostile read of the engine found, each pinned: a cancelled or abandoned call still
 * reports the page it had sent; a shutdown during a retry wait sends nothing more; id lists over
 * stateless HTTP keep to the size bound (see result-bounds); no validation message or resource quotes the token; a
 * failed dry run leaves nothing running; previews keep to the bound; a dry run that read nothing
 * says so.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { json, scriptedServer } from "../support/engine.js";
import { connectServer, resumeData, TEST_TOKEN, textChars, textOf, useFixture } from "../support/harness.js";
import { spawnStdioServer } from "../support/stdio-child.js";

const onResume = (request: { method: string; path: string }) =>
  request.method === "POST" && request.path === "/v2/workflows/dlq/resume";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a shutdown during a retry wait", () => {
  it("sends no further request and exits promptly", async () => {
    const emulator = await startEmulator({ token: TEST_TOKEN, entries: 200, seed: 3, now: FIXED_NOW });
    const server = await spawnStdioServer(["--no-journal"], {
      QSTASH_URL: emulator.url,
      QSTASH_TOKEN: TEST_TOKEN,
    });
    try {
      // The second page is refused with a reset ten seconds away: the call waits to retry it.
      emulator.inject({
        kind: "429-burst",
        after: 1,
        resetAt: Date.now() / 1000 + 10,
        times: Number.POSITIVE_INFINITY,
        match: onResume,
      });
      const call = server.client
        .callTool({ name: "dlq_resume_all", arguments: { count: 50 } })
        .catch(() => undefined);
      while (emulator.requests.filter(onResume).length < 2) await sleep(10);
      const before = emulator.requests.length;
      const stopped = Date.now();
      server.child.kill("SIGTERM");
      const { code } = await server.exited;
      await call;
      expect(Date.now() - stopped).toBeLessThan(5_000);
      expect(code).toBe(0);
      expect(emulator.requests.slice(before).filter(onResume)).toEqual([]);
      expect(server.foreignStderr()).toEqual([]);
    } finally {
      await server.kill();
      await emulator.close();
    }
  });
});

describe("a cancelled call", () => {
  const fixture = useFixture({ entries: 300, seed: 3, now: FIXED_NOW, latencyMs: 300 });

  it("lets the page it had sent land, and reports its runs", async () => {
    const logged: { result?: { stopReason: string; resumed: number; unreportedPossible?: boolean } }[] = [];
    await fixture.client.onLog("info", (params) => {
      logged.push(params.data as (typeof logged)[number]);
    });
    const controller = new AbortController();
    const call = fixture.client
      .callTool(
        { name: "dlq_resume_all", arguments: { count: 50, maxPages: 10 } },
        {
          signal: controller.signal,
        },
      )
      .catch(() => undefined);
    // Cancel while the second page is on its way, before the emulator has answered it.
    while (fixture.emulator.requests.filter(onResume).length < 1) await sleep(5);
    await sleep(450);
    controller.abort();
    await call;
    while (!logged.some((entry) => entry.result?.stopReason === "cancelled")) await sleep(10);
    const report = logged.find((entry) => entry.result?.stopReason === "cancelled")?.result;
    await sleep(700);
    expect(report?.resumed).toBe(fixture.emulator.resumed.length);
    expect(report?.unreportedPossible).toBeUndefined();
  });
});

describe("a cancelled id list whose batch came back 404", () => {
  // A QStash that refuses the batch whole, so that the ids still there would be sent again.
  const fixture = useFixture({
    entries: 100,
    seed: 3,
    now: FIXED_NOW,
    latencyMs: 300,
    quirks: { partialIdBatches: false },
  });

  it("sends neither the rest of its lookups nor a new resume", async () => {
    const ids = fixture.emulator.store
      .list()
      .slice(0, 40)
      .map((message) => message.dlqId);
    const controller = new AbortController();
    const call = fixture.client
      .callTool(
        { name: "dlq_resume", arguments: { dlqIds: [...ids, "dlq_missing"] } },
        {
          signal: controller.signal,
        },
      )
      .catch(() => undefined);
    // The batch's 404 has come back; its lookups are on their way.
    while (fixture.emulator.requests.filter(onResume).length < 1) await sleep(5);
    await sleep(50);
    controller.abort();
    await call;
    await sleep(1_500);
    expect(fixture.emulator.requests.filter(onResume)).toHaveLength(1);
    expect(fixture.emulator.requests.length).toBeLessThan(20);
    expect(fixture.emulator.resumed).toHaveLength(0);
  });

  it("prints no listener warning with many calls at once", async () => {
    await Promise.all(Array.from({ length: 12 }, () => fixture.call("dlq_list", { count: 5 })));
    expect(fixture.stderr()).not.toMatch(/MaxListenersExceededWarning/);
  });
});

describe("the token in arguments", () => {
  const token = `${TEST_TOKEN}_and_then_quite_a_lot_more_characters_to_make_it_a_realistic_length`;
  // A QStash that refuses an id batch whole: the token passed as an id is then the one id not
  // found, and the runs of the others are named, so a resource holds the report.
  const fixture = useFixture(
    { entries: 20, seed: 1, now: FIXED_NOW, token, quirks: { partialIdBatches: false } },
    { env: { QSTASH_TOKEN: token }, args: ["--inline-runs", "1"], secrets: [token, token.slice(0, 40)] },
  );

  it("is never quoted by a validation message, even cut short", async () => {
    for (const args of [{ filter: { fromDate: token } }, { [token]: 1 }, { filter: { label: [token, 3] } }]) {
      const result = await fixture.call("dlq_list", args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).not.toContain(token.slice(0, 20));
    }
  });

  it("is never kept in a session resource", async () => {
    const ids = fixture.emulator.store
      .list()
      .slice(0, 3)
      .map((message) => message.dlqId);
    const data = resumeData(await fixture.call("dlq_resume", { dlqIds: [...ids, token] }));
    expect(data.workflowRunsResource).toBeTruthy();
    const read = await fixture.client.readResource({ uri: data.workflowRunsResource as string });
    expect(JSON.stringify(read)).not.toContain(token.slice(0, 20));
  });
});

describe("validation errors", () => {
  const fixture = useFixture({ entries: 5, seed: 1, now: FIXED_NOW });

  it("keep their first block within 1,500 characters however many fields are wrong", async () => {
    const many = Array.from({ length: 20 }, () => "");
    const result = await fixture.call("dlq_resume", {
      filter: { label: many, workflowUrl: many, callerIp: many, flowControlKey: many },
      count: 0,
      maxPages: -1,
      retries: "x",
    });
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text.length).toBeLessThanOrEqual(1_500);
    expect(fixture.emulator.requests).toHaveLength(0);
  });
});

describe("dry runs", () => {
  const long = (index: number): DlqMessage => ({
    dlqId: `dlq_long${index}`,
    workflowRunId: `wfr_long${index}`,
    workflowUrl: `https://api.acme-shop.example/${"segment/".repeat(190)}${index}`,
    createdAt: FIXED_NOW - 10_000 + index,
    label: "orders",
    labels: Array.from({ length: 30 }, (_, label) => `label-${label}-${"x".repeat(40)}`),
    responseStatus: 503,
    responseBody: "z".repeat(5_000),
  });
  const messages = Array.from({ length: 2_000 }, (_, index) => long(index));
  const fixture = useFixture({ messages }, { args: ["--max-attempts", "1"] });

  it("keep previews and grouped listings within the bound", async () => {
    const ids = messages.map((message) => message.dlqId);
    for (const [tool, args] of [
      ["dlq_resume", { dlqIds: ids, dryRun: true, maxPages: 100 }],
      ["dlq_resume", { filter: { label: "orders" }, dryRun: true }],
      ["dlq_list", { summary: true, count: 100, maxPages: 5 }],
    ] as const) {
      const result = await fixture.call(tool, args);
      expect(result.isError).toBeFalsy();
      expect(textChars(result)).toBeLessThanOrEqual(40_000);
    }
  });

  it("leave nothing running after a failed lookup", async () => {
    fixture.emulator.inject({
      kind: "500",
      times: Number.POSITIVE_INFINITY,
      match: (request) => request.path.endsWith("/dlq_long7"),
    });
    const ids = messages.map((message) => message.dlqId);
    const result = await fixture.call("dlq_resume", { dlqIds: ids, dryRun: true });
    expect(result.isError).toBe(true);
    const answered = fixture.emulator.requests.length;
    await sleep(500);
    expect(fixture.emulator.requests.length).toBe(answered);
    expect(answered).toBeLessThan(40);
  });
});

describe("a dry run that could read nothing", () => {
  it("says so instead of previewing an empty DLQ", async () => {
    const qstash = await scriptedServer(() => {
      // Never answers.
    });
    const server = await connectServer({
      env: { QSTASH_URL: qstash.url, QSTASH_TOKEN: TEST_TOKEN },
      args: ["--deadline", "1"],
    });
    try {
      const result = (await server.client.callTool({
        name: "dlq_resume_all",
        arguments: { dryRun: true },
      })) as CallToolResult;
      server.results.push(result);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/Dry run failed: .*Nothing was resumed/);
    } finally {
      await server.close();
      await qstash.close();
    }
  });
});

describe("the one answer per page of runs with unreadable ids", () => {
  it("stops after the first such page", async () => {
    let pages = 0;
    const qstash = await scriptedServer(({ method }, res) => {
      if (method === "GET") return json(res, 200, { messages: [{ dlqId: "dlq_1", createdAt: FIXED_NOW }] });
      pages += 1;
      json(res, 200, {
        workflowRuns: Array.from({ length: 50 }, (_, i) => ({ runId: `r${pages}_${i}` })),
        cursor: `c${pages}`,
      });
    });
    const server = await connectServer({ env: { QSTASH_URL: qstash.url, QSTASH_TOKEN: TEST_TOKEN } });
    try {
      const result = (await server.client.callTool({
        name: "dlq_resume_all",
        arguments: {},
      })) as CallToolResult;
      server.results.push(result);
      expect(pages).toBe(1);
      expect(result.structuredContent).toMatchObject({
        stopReason: "error",
        unreportedPossible: true,
        unreportedAtMost: 50,
      });
    } finally {
      await server.close();
      await qstash.close();
    }
  });
});
