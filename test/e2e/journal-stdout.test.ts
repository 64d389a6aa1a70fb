/**
 * `--journal -`: behind a load balancer the audit goes where the platform collects logs, stdout,
 * as the same JSON lines a journal file gets. Over stdio it is refused, since stdout carries
 * JSON-RPC there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { connectHttp } from "../support/clients.js";
import { FIXED_NOW } from "../support/data.js";
import { leakForms, SERVER_ENTRY, TEST_TOKEN } from "../support/harness.js";
import { startHttpServer } from "../support/http-server.js";
import { runToExit } from "../support/stdio-child.js";

describe("--journal - over Streamable HTTP", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ token: TEST_TOKEN, entries: 60, seed: 5, now: FIXED_NOW });
  });
  afterAll(() => emulator.close());

  it("writes the call, each request before and after, and the outcome to stdout as JSON lines", async () => {
    const server = await startHttpServer(["--journal", "-"], {
      QSTASH_URL: emulator.url,
      QSTASH_TOKEN: TEST_TOKEN,
    });
    let stdout = "";
    server.child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    const client = await connectHttp(server.url);
    const result = await client.callTool({ name: "dlq_resume_all", arguments: { count: 20, maxPages: 2 } });
    await client.close();
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    expect(result.isError).toBeFalsy();
    const lines = stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; tool?: string; runIds?: string[] });
    expect(lines.map((line) => line.type)).toEqual([
      "call",
      ...Array.from({ length: lines.length - 2 }, (_, i) => (i % 2 === 0 ? "sending" : "request")),
      "outcome",
    ]);
    expect(lines[0]).toMatchObject({ type: "call", tool: "dlq_resume_all" });
    const journaled = lines.flatMap((line) => (line.type === "request" ? (line.runIds ?? []) : []));
    expect(journaled.sort()).toEqual(emulator.resumed.map((record) => record.workflowRunId).sort());
    for (const form of leakForms(TEST_TOKEN)) expect(stdout + server.stderr()).not.toContain(form);
    await server.stop();
  });
});

describe("--journal - when nobody reads stdout", () => {
  it("loses journal lines, says so, and keeps serving and shutting down", async () => {
    const emulator = await startEmulator({ token: TEST_TOKEN, entries: 3_000, seed: 5, now: FIXED_NOW });
    const server = await startHttpServer(["--journal", "-"], {
      QSTASH_URL: emulator.url,
      QSTASH_TOKEN: TEST_TOKEN,
    });
    // Never read: the pipe fills after a few calls' worth of lines.
    server.child.stdout?.pause();
    try {
      const client = await connectHttp(server.url);
      for (let call = 0; call < 12; call++) {
        const result = await client.callTool({
          name: "dlq_resume_all",
          arguments: { count: 50, maxPages: 5 },
        });
        expect(result.isError).toBeFalsy();
      }
      await client.close();
      expect(server.stderr()).toMatch(/The journal at stdout cannot be written/);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      await server.stop();
      await emulator.close();
    }
  }, 60_000);
});

describe("--journal - over stdio", () => {
  it("is refused before anything starts: stdout carries JSON-RPC there", async () => {
    const { code, stdout, stderr } = await runToExit([SERVER_ENTRY, "--sandbox", "--journal", "-"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/--journal - writes the journal to stdout, which carries JSON-RPC over stdio/);
  });
});
