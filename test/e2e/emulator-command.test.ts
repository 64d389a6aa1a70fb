/**
 * `workflow-dlq-mcp emulator` runs the DLQ emulator alone, for curl and the official client.
 * These tests use it the way its help text says: start it, read the URL it prints, point a client at it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { Client as WorkflowClient } from "@upstash/workflow";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_ENTRY } from "../support/harness.js";
import { runToExit } from "../support/stdio-child.js";

const TOKEN = "t0k";
const ENTRIES = 30;

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function startEmulatorCommand(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [SERVER_ENTRY, "emulator", ...args], {
    env: { PATH: process.env.PATH ?? "" },
  });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no URL on stderr within 10s: ${stderr}`));
    }, 10_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const match = /DLQ emulator listening on (http:\/\/\S+) with \d+ entries/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before listening: ${stderr}${stdout}`));
    });
  });
  return { child, url, stderr: () => stderr, exited };
}

interface ListBody {
  messages: { dlqId: string; workflowRunId?: string }[];
  cursor?: string;
}

describe("workflow-dlq-mcp emulator --port 0", () => {
  let emulator: Started;
  beforeAll(async () => {
    emulator = await startEmulatorCommand(["--port", "0", "--entries", String(ENTRIES), "--token", TOKEN]);
  });
  afterAll(async () => {
    if (emulator && emulator.child.exitCode === null) {
      emulator.child.kill("SIGTERM");
      await emulator.exited;
    }
  });

  const list = (token: string) =>
    request(`${emulator.url}/v2/workflows/dlq?count=100`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it("listens on a free port and says where", () => {
    const port = Number(new URL(emulator.url).port);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(8080);
    expect(emulator.stderr()).toContain(`with ${ENTRIES} entries`);
    // The token was given on the command line, so it is not echoed back.
    expect(emulator.stderr()).not.toContain(`QSTASH_TOKEN=${TOKEN}`);
  });

  it("lists the seeded messages for the right bearer token", async () => {
    const response = await list(TOKEN);
    expect(response.statusCode).toBe(200);
    const body = (await response.body.json()) as ListBody;
    expect(body.messages).toHaveLength(ENTRIES);
    expect(new Set(body.messages.map((message) => message.dlqId)).size).toBe(ENTRIES);
    expect(body.cursor).toBeUndefined();
  });

  it("refuses a wrong token or none with 401", async () => {
    const wrong = await list("not-the-token");
    expect(wrong.statusCode).toBe(401);
    await wrong.body.dump();
    const missing = await request(`${emulator.url}/v2/workflows/dlq?count=100`);
    expect(missing.statusCode).toBe(401);
    await missing.body.dump();
  });

  it("works with the official @upstash/workflow client: list, then resume all", async () => {
    const client = new WorkflowClient({ baseUrl: emulator.url, token: TOKEN });
    const listed = await client.dlq.list();
    expect(listed.messages).toHaveLength(ENTRIES);
    expect(listed.messages[0]?.dlqId).toMatch(/^dlq_/);

    const resumedRunIds: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = await client.dlq.resume({ all: true, ...(cursor ? { cursor } : {}) });
      resumedRunIds.push(...page.workflowRuns.map((run) => run.workflowRunId));
      cursor = page.cursor;
      calls += 1;
    } while (cursor && calls < 10);
    expect(cursor).toBeUndefined();
    expect(resumedRunIds).toHaveLength(ENTRIES);
    expect(new Set(resumedRunIds).size).toBe(ENTRIES);

    expect((await client.dlq.list()).messages).toHaveLength(0);
    const after = (await (await list(TOKEN)).body.json()) as ListBody;
    expect(after.messages).toHaveLength(0);
  });

  it("stops cleanly on SIGTERM", async () => {
    emulator.child.kill("SIGTERM");
    expect(await emulator.exited).toBe(0);
  });
});

describe("workflow-dlq-mcp emulator --refail-share", () => {
  it("sends resumed runs back to the DLQ as new entries with the new run's id", async () => {
    const args = [
      "--port",
      "0",
      "--entries",
      "5",
      "--token",
      TOKEN,
      "--refail-share",
      "1",
      "--speed-up",
      "20",
    ];
    const emulator = await startEmulatorCommand(args);
    try {
      const client = new WorkflowClient({ baseUrl: emulator.url, token: TOKEN });
      const before = await client.dlq.list();
      const target = before.messages[0]?.dlqId as string;
      const run = await client.dlq.resume({ dlqId: target });
      // The resumed run is delivered after a moment, and only then fails again.
      let after = await client.dlq.list();
      for (let polls = 0; after.messages.length < 5 && polls < 200; polls++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        after = await client.dlq.list();
      }
      expect(after.messages).toHaveLength(5);
      expect(after.messages.map((message) => message.dlqId)).not.toContain(target);
      const reentered = after.messages.filter((message) => message.workflowRunId === run.workflowRunId);
      expect(reentered).toHaveLength(1);
      expect(before.messages.map((message) => message.dlqId)).not.toContain(reentered[0]?.dlqId);
    } finally {
      emulator.child.kill("SIGTERM");
      await emulator.exited;
    }
  });

  it("refuses a share outside 0 to 1", async () => {
    const args = [SERVER_ENTRY, "emulator", "--port", "0", "--refail-share", "1.5"];
    const { code, stderr } = await runToExit(args);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--refail-share takes a number from 0 to 1/);
  });
});

describe("workflow-dlq-mcp emulator --runs-succeed", () => {
  it("sends nothing back to the DLQ: every resumed run succeeds, 4xx failures too", async () => {
    const emulator = await startEmulatorCommand([
      "--port",
      "0",
      "--entries",
      "40",
      "--token",
      TOKEN,
      "--runs-succeed",
    ]);
    try {
      const client = new WorkflowClient({ baseUrl: emulator.url, token: TOKEN });
      const page = await client.dlq.resume({ all: true });
      expect(page.workflowRuns).toHaveLength(40);
      // Longer than a delivered run takes, had it been delivered.
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect((await client.dlq.list()).messages ?? []).toHaveLength(0);
      const state = await request(`${emulator.url}/__emulator/state`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(await state.body.json()).toMatchObject({ entries: 0, resumed: 40 });
    } finally {
      emulator.child.kill("SIGTERM");
      await emulator.exited;
    }
  });

  it("refuses --refail-share beside it", async () => {
    const args = [SERVER_ENTRY, "emulator", "--port", "0", "--runs-succeed", "--refail-share", "0.5"];
    const { code, stderr } = await runToExit(args);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--runs-succeed .* keep one of them/);
  });
});
