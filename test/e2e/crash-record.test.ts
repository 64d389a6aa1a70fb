/**
 * A server killed with SIGKILL in the middle of a long resume leaves a journal that names exactly
 * the runs QStash resumed: every answer is journaled before the next request goes out, and a
 * request still waiting out the emulator's latency when its client died is never acted on.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { connectStdio, type McpTestClient } from "../support/clients.js";
import { FIXED_NOW } from "../support/data.js";
import { SERVER_ENTRY, TEST_TOKEN } from "../support/harness.js";

const ENTRIES = 3_000;
const LATENCY_MS = 40;
const PAGE = 50;
const RESUME_PATH = "/v2/workflows/dlq/resume";

interface JournalLine {
  type: string;
  path?: string;
  status?: number;
  runIds?: string[];
}

/** The journal's complete lines: one still being written while this reads has no newline yet. */
function readJournal(path: string): JournalLine[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalLine);
}

const resumeLines = (lines: JournalLine[]) =>
  lines.filter((line) => line.type === "request" && line.path === RESUME_PATH);

interface Spawned {
  client: McpTestClient;
  pid: number;
  /** Settles when the process is gone. */
  closed: Promise<void>;
  stderr: () => string;
}

async function spawnServer(emulator: Emulator, stateDir: string, journalPath: string): Promise<Spawned> {
  const client = await connectStdio({
    command: process.execPath,
    args: [SERVER_ENTRY, "--journal", journalPath, "--no-confirm"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: stateDir,
      XDG_STATE_HOME: stateDir,
      QSTASH_URL: emulator.url,
      QSTASH_TOKEN: TEST_TOKEN,
    },
  });
  let stderr = "";
  client.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const closed = new Promise<void>((resolve) => client.onClose(resolve));
  const pid = client.pid;
  if (pid === null) throw new Error("the server process has no pid");
  return { client, pid, closed, stderr: () => stderr };
}

/**
 * Blocks until the killed process is a zombie, so its sockets are closed before the emulator,
 * which shares this event loop, can take up another request. Where /proc is missing the emulator's
 * latency alone keeps the race out.
 */
function waitUntilDeadSync(pid: number, timeoutMs = 2_000): void {
  const stat = `/proc/${pid}/stat`;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    let state: string | undefined;
    try {
      state = readFileSync(stat, "utf8").split(") ")[1]?.[0];
    } catch {
      return;
    }
    if (state === "Z" || state === "X") return;
  }
}

/**
 * Kills the server while its next request waits out the emulator's latency, at a moment when
 * every request the emulator answered is journaled.
 */
async function killAfterJournaled(
  server: Spawned,
  emulator: Emulator,
  journalPath: string,
  atLeast: number,
): Promise<number> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const journaled = resumeLines(readJournal(journalPath)).length;
    const answered = emulator.requests.filter((r) => r.path === RESUME_PATH && r.status === 200).length;
    if (journaled >= atLeast && journaled === answered && emulator.inFlight === 1) {
      process.kill(server.pid, "SIGKILL");
      waitUntilDeadSync(server.pid);
      return journaled;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`the journal did not reach ${atLeast} resume requests in time`);
}

describe("a server killed mid-run", () => {
  let emulator: Emulator;
  let stateDir: string;
  beforeAll(async () => {
    emulator = await startEmulator({
      token: TEST_TOKEN,
      entries: ENTRIES,
      seed: 11,
      now: FIXED_NOW,
      latencyMs: LATENCY_MS,
    });
    stateDir = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-crash-"));
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it.each([3, 8, 16])(
    "after %i journaled requests: the journal's run ids are exactly the runs the emulator resumed",
    async (killPoint) => {
      emulator.reset();
      emulator.clearRequests();
      const journalPath = join(stateDir, `journal-${killPoint}.jsonl`);
      const server = await spawnServer(emulator, stateDir, journalPath);
      const call = server.client
        .callTool({ name: "dlq_resume_all", arguments: { count: PAGE, maxPages: 1000 } })
        .then(
          () => "answered",
          () => "cut off",
        );

      const journaled = await killAfterJournaled(server, emulator, journalPath, killPoint);
      await server.closed;
      expect(await call).toBe("cut off");
      // Let a request that was waiting out the latency when the server died reach its end.
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS * 4));

      const lines = readJournal(journalPath);
      const requests = resumeLines(lines);
      expect(requests).toHaveLength(journaled);
      expect(requests.every((line) => line.status === 200 && line.runIds?.length === PAGE)).toBe(true);
      // Killed mid-call: no outcome line was written.
      expect(lines.filter((line) => line.type === "outcome")).toEqual([]);

      const journaledRunIds = requests.flatMap((line) => line.runIds ?? []);
      const resumedRunIds = emulator.resumed.map((record) => record.workflowRunId);
      expect(new Set(journaledRunIds).size).toBe(journaledRunIds.length);
      expect([...journaledRunIds].sort()).toEqual([...resumedRunIds].sort());
      expect(resumedRunIds).toHaveLength(journaled * PAGE);

      // The request the server had sent when it died, if any, was not acted on.
      const seen = emulator.requests.filter((request) => request.path === RESUME_PATH);
      expect(seen.slice(0, journaled).every((request) => request.status === 200)).toBe(true);
      expect(seen.slice(journaled).map((request) => request.status)).toEqual([0]);
      // Every request the server sent was written down before it went out, the one in flight too.
      const sending = lines.filter((line) => line.type === "sending" && line.path === RESUME_PATH);
      expect(sending).toHaveLength(journaled + 1);
      expect(server.stderr()).not.toContain(TEST_TOKEN);
    },
  );
});
