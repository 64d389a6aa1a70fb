/**
 * `--sandbox` is how people try the server without a QStash account: the built command alone
 * must serve a seeded DLQ over stdio, and stdout must stay pure JSON-RPC for the client.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { type CallToolResult, LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_NAMES } from "../support/data.js";
import { type Connected, connectServer, resumeData, SERVER_ENTRY, textOf } from "../support/harness.js";

interface Listed {
  messages: { dlqId: string; workflowRunId?: string }[];
  returned: number;
  complete: boolean;
  cursor?: string;
}

/** Every entry, following cursors as an agent would: one result is kept within its size bound. */
async function listAll(server: Connected): Promise<Listed> {
  const all: Listed = { messages: [], returned: 0, complete: false };
  let cursor: string | undefined;
  do {
    const result = await server.client.callTool({
      name: "dlq_list",
      arguments: { count: 100, maxPages: 50, ...(cursor ? { cursor } : {}) },
    });
    expect(result.isError).toBeFalsy();
    const page = result.structuredContent as unknown as Listed;
    all.messages.push(...page.messages);
    all.returned += page.returned;
    all.complete = page.complete;
    cursor = page.cursor;
  } while (cursor);
  return all;
}

describe("--sandbox", () => {
  let server: Connected;
  beforeAll(async () => {
    // No resumed run fails again here, so what leaves the DLQ stays gone.
    server = await connectServer({ args: ["--sandbox", "--refail-share", "0"] });
  });
  afterAll(() => server?.close());

  it("offers the five DLQ tools", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES]);
  });

  it("serves 600 seeded messages by default, each once", async () => {
    const listed = await listAll(server);
    expect(listed).toMatchObject({ returned: 600, complete: true });
    expect(listed.cursor).toBeUndefined();
    expect(new Set(listed.messages.map((message) => message.dlqId)).size).toBe(600);
    expect(listed.messages.every((message) => message.workflowRunId?.startsWith("wfr_"))).toBe(true);
    expect(server.stderr()).toMatch(/sandbox: serving a local DLQ emulator with 600 entries/);
  });

  it("resumes a message by id, which then leaves the DLQ", async () => {
    const before = await listAll(server);
    const target = before.messages[0]?.dlqId as string;
    const resumed = await server.client.callTool({ name: "dlq_resume", arguments: { dlqIds: [target] } });
    const data = resumeData(resumed as CallToolResult);
    expect(data).toMatchObject({ mode: "ids", resumed: 1, complete: true });
    expect(data.workflowRuns[0]?.workflowRunId).toMatch(/^wfr_/);

    const after = await listAll(server);
    expect(after.returned).toBe(before.returned - 1);
    expect(after.messages.map((message) => message.dlqId)).not.toContain(target);

    const again = (await server.client.callTool({
      name: "dlq_resume",
      arguments: { dlqIds: [target] },
    })) as CallToolResult;
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain(target);
  });
});

describe("--sandbox-entries", () => {
  it("seeds the number of entries asked for", async () => {
    const server = await connectServer({ args: ["--sandbox", "--sandbox-entries", "25"] });
    try {
      const listed = await listAll(server);
      expect(listed).toMatchObject({ returned: 25, complete: true });
    } finally {
      await server.close();
    }
  });
});

describe("--sandbox --refail-share", () => {
  it("shows a resumed run failing again: a new entry with the new run's id takes the old one's place", async () => {
    const server = await connectServer({
      // Resumed runs are delivered after a moment; sped up, that moment is short.
      args: ["--sandbox", "--sandbox-entries", "5", "--refail-share", "1", "--speed-up", "20"],
    });
    try {
      const before = await listAll(server);
      const target = before.messages[0]?.dlqId as string;
      const resumed = await server.client.callTool({ name: "dlq_resume", arguments: { dlqIds: [target] } });
      const run = resumeData(resumed as CallToolResult).workflowRuns[0];
      let after = await listAll(server);
      for (let polls = 0; after.returned < 5 && polls < 200; polls++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        after = await listAll(server);
      }
      expect(after.returned).toBe(5);
      expect(after.messages.map((message) => message.dlqId)).not.toContain(target);
      const reentered = after.messages.filter((message) => message.workflowRunId === run?.workflowRunId);
      expect(reentered).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe("--sandbox over raw stdio", () => {
  it("writes nothing but newline-delimited JSON-RPC 2.0 to stdout", async () => {
    const child = spawn(process.execPath, [SERVER_ENTRY, "--sandbox", "--sandbox-entries", "5"], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const lines: string[] = [];
    const answered = new Set<unknown>();
    let waiting: { id: number; resolve: () => void } | undefined;
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      try {
        answered.add((JSON.parse(line) as { id?: unknown }).id);
      } catch {
        // Kept in lines; the assertions below report it.
      }
      if (waiting && answered.has(waiting.id)) waiting.resolve();
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const request = (id: number, method: string, params: object) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no answer to ${method}; stderr: ${stderr}`)),
          10_000,
        );
        waiting = {
          id,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        send({ jsonrpc: "2.0", id, method, params });
      });

    try {
      await request(1, "initialize", {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "raw-stdio-test", version: "0.0.0" },
      });
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      await request(2, "tools/list", {});
      await request(3, "tools/call", { name: "dlq_list", arguments: { count: 5 } });
    } finally {
      child.stdin.end();
    }
    // Closing stdin is how a client says goodbye; a server that ignores it is killed, and fails below.
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    expect(await exited).toBe(0);
    clearTimeout(killer);

    expect(lines.length).toBeGreaterThanOrEqual(3);
    const messages = lines.map((line) => {
      let parsed: unknown;
      expect(
        () => {
          parsed = JSON.parse(line);
        },
        `stdout line is not JSON: ${line.slice(0, 200)}`,
      ).not.toThrow();
      return parsed as Record<string, unknown>;
    });
    for (const message of messages) {
      expect(message.jsonrpc).toBe("2.0");
      const isResponse = "id" in message && ("result" in message || "error" in message);
      const isRequestOrNotification = typeof message.method === "string";
      expect(isResponse || isRequestOrNotification, JSON.stringify(message).slice(0, 200)).toBe(true);
    }
    const byId = new Map(messages.filter((m) => "id" in m).map((m) => [m.id, m]));
    expect(byId.get(1)).toHaveProperty("result.serverInfo.name", "workflow-dlq-mcp");
    const tools = (byId.get(2)?.result as { tools?: { name: string }[] } | undefined)?.tools ?? [];
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES]);
    expect(byId.get(3)).toHaveProperty("result.structuredContent.returned", 5);
    // The log lines exist; they just belong on stderr.
    expect(stderr).toMatch(/sandbox: serving a local DLQ emulator with 5 entries/);
  });
});
