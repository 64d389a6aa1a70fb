/**
 * How a stdio session ends: stdin closing (the client quit), SIGTERM or SIGINT (the client or a
 * process manager stopping the server). Each must end quietly, and a call in flight must finish
 * and be journaled before the journal closes.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { FIXED_NOW } from "../support/data.js";
import { SERVER_ENTRY, TEST_TOKEN } from "../support/harness.js";
import { type StdioChild, spawnStdioServer } from "../support/stdio-child.js";

const RESUME_PATH = "/v2/workflows/dlq/resume";
const ENDINGS = ["stdin EOF", "SIGTERM", "SIGINT"] as const;

interface JournalLine {
  type: string;
  callId?: string;
  tool?: string;
  path?: string;
  status?: number;
  runIds?: string[];
}

let emulator: Emulator;
let stateDir: string;
beforeAll(async () => {
  emulator = await startEmulator({ token: TEST_TOKEN, entries: 400, seed: 5, now: FIXED_NOW });
  stateDir = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-shutdown-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(stateDir, { recursive: true, force: true });
});
beforeEach(() => {
  emulator.reset();
  emulator.clearRequests();
  emulator.clearFaults();
});

let sessions = 0;
async function start(): Promise<{ server: StdioChild; journalPath: string }> {
  sessions += 1;
  const journalPath = join(stateDir, `journal-${sessions}.jsonl`);
  const server = await spawnStdioServer(["--journal", journalPath], {
    HOME: stateDir,
    XDG_STATE_HOME: stateDir,
    QSTASH_URL: emulator.url,
    QSTASH_TOKEN: TEST_TOKEN,
  });
  return { server, journalPath };
}

function end(server: StdioChild, how: (typeof ENDINGS)[number]): void {
  if (how === "stdin EOF") server.child.stdin?.end();
  else server.child.kill(how);
}

function readJournal(path: string): JournalLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalLine);
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(ENDINGS)("a stdio session ended by %s", (how) => {
  it("exits 0 with nothing on stderr but the server's own info lines", async () => {
    const { server, journalPath } = await start();
    try {
      const { tools } = await server.client.listTools();
      expect(tools.map((tool) => tool.name)).toContain("dlq_list");
      const listed = (await server.client.callTool({
        name: "dlq_list",
        arguments: { count: 5 },
      })) as CallToolResult;
      expect(listed.isError).toBeFalsy();
      end(server, how);
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const lines = server.stderr().split("\n").filter(Boolean);
      expect(lines.filter((line) => !line.startsWith("[workflow-dlq-mcp] info: "))).toEqual([]);
      expect(readJournal(journalPath).map((line) => line.type)).toEqual(
        expect.arrayContaining(["call", "request", "outcome"]),
      );
    } finally {
      await server.kill();
    }
  });

  it("lets the call in flight finish and journals its every request and its outcome", async () => {
    emulator.inject({ kind: "slow", match: (request) => request.path === RESUME_PATH, delayMs: 300 });
    const { server, journalPath } = await start();
    try {
      const call = server.client
        .callTool({ name: "dlq_resume_all", arguments: { count: 50, maxPages: 3 } })
        .catch((error: Error) => error);
      // The first page is processed and its answer held back: the call is mid-request.
      await waitFor(() => emulator.resumed.length > 0);
      end(server, how);
      expect(await server.exited).toEqual({ code: 0, signal: null });
      // The answer reaches the client before the process goes: what was resumed is in it.
      const answered = (await call) as CallToolResult;
      expect(answered).not.toBeInstanceOf(Error);
      const report = answered.structuredContent as { stopReason: string; resumed: number };
      expect(report.stopReason).toBe("shutdown");
      expect(report.resumed).toBe(emulator.resumed.length);

      const lines = readJournal(journalPath);
      const resumeCall = lines.find((line) => line.type === "call" && line.tool === "dlq_resume_all");
      expect(resumeCall).toBeDefined();
      const ofCall = lines.filter((line) => line.callId === resumeCall?.callId);
      const requests = ofCall.filter((line) => line.type === "request" && line.path === RESUME_PATH);
      // Every resume QStash processed is journaled with its answer, then the outcome.
      const processed = emulator.requests.filter((r) => r.path === RESUME_PATH);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests).toHaveLength(processed.length);
      expect(requests.every((line) => line.status === 200)).toBe(true);
      // And each was announced by a line written before it went out.
      const sent = ofCall.filter((line) => line.type === "sending" && line.path === RESUME_PATH);
      expect(sent).toHaveLength(requests.length);
      const journaled = requests.flatMap((line) => line.runIds ?? []).sort();
      expect(journaled).toEqual(emulator.resumed.map((record) => record.workflowRunId).sort());
      expect(ofCall.at(-1)?.type).toBe("outcome");
      expect(server.foreignStderr()).toEqual([]);
    } finally {
      await server.kill();
    }
  });
});

const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
const OPENINGS = {
  "2025-11-25": [
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    },
    { jsonrpc: "2.0", method: "notifications/initialized" },
  ],
  "2026-07-28": [{ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: ENVELOPE } }],
};

/** The server on raw pipes: the test writes JSON-RPC lines itself and reads every one it gets. */
function spawnRaw(args: string[]) {
  const child = spawn(process.execPath, [SERVER_ENTRY, "--no-journal", "--no-confirm", ...args], {
    env: { PATH: process.env.PATH ?? "", QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  return { child, stdout: () => stdout, exited };
}

describe.each(Object.keys(OPENINGS) as (keyof typeof OPENINGS)[])(
  "a one-shot %s session whose client closes stdin right after its request",
  (era) => {
    it("still gets the call's answer", async () => {
      emulator.inject({ kind: "slow", match: (request) => request.path === RESUME_PATH, delayMs: 300 });
      const { child, stdout, exited } = spawnRaw([]);
      const call = {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "dlq_resume_all",
          arguments: { count: 50, maxPages: 2 },
          ...(era === "2026-07-28" ? { _meta: ENVELOPE } : {}),
        },
      };
      child.stdin.end(`${[...OPENINGS[era], call].map((message) => JSON.stringify(message)).join("\n")}\n`);
      expect(await exited).toBe(0);
      const answers = stdout()
        .split("\n")
        .filter(Boolean)
        .map(
          (line) => JSON.parse(line) as { id?: number; result?: { structuredContent?: { resumed: number } } },
        );
      // The end of stdin is a shutdown: the call stops at its next page boundary, and its answer,
      // naming every run it resumed, still goes out before the process does.
      const answer = answers.find((message) => message.id === 2);
      expect(answer?.result?.structuredContent).toMatchObject({ stopReason: "shutdown" });
      expect(answer?.result?.structuredContent?.resumed).toBe(emulator.resumed.length);
    });
  },
);

describe("a 2026-07-28 stdio session with a subscription open", () => {
  it("shuts down on SIGTERM without waiting out the grace for it", async () => {
    const { child, stdout, exited } = spawnRaw(["--drain-grace", "10"]);
    const listen = {
      jsonrpc: "2.0",
      id: 2,
      method: "subscriptions/listen",
      params: { _meta: ENVELOPE, notifications: { resourcesListChanged: true } },
    };
    child.stdin.write(`${JSON.stringify(OPENINGS["2026-07-28"][0])}\n${JSON.stringify(listen)}\n`);
    await waitFor(() => stdout().includes("notifications/subscriptions/acknowledged"));
    const signalled = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Well inside the grace: the open subscription is not a call to wait for.
    expect(Date.now() - signalled).toBeLessThan(5_000);
  });
});
