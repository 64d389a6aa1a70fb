/**
 * A message over the stdio size limit is answered with a JSON-RPC error and the session goes on;
 * the SDK's own transport would close the session without a word.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_ENTRY } from "../support/harness.js";
import { OWN_LOG_LINE } from "../support/stdio-child.js";

const LIMIT = 10 * 1024 * 1024;

interface Reply {
  id?: number | string | null;
  result?: { tools?: { name: string }[] };
  error?: { code: number; message: string };
}

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
});

function start() {
  const server = spawn(process.execPath, [SERVER_ENTRY, "--sandbox", "--sandbox-entries", "10"], {
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child = server;
  const replies: Reply[] = [];
  let pending = "";
  server.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      replies.push(JSON.parse(pending.slice(0, newline)) as Reply);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  });
  let stderr = "";
  server.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => server.once("close", (code) => resolve(code)));
  const write = (line: string) => server.stdin.write(`${line}\n`);
  const waitForReplies = async (count: number) => {
    const deadline = Date.now() + 15_000;
    while (replies.length < count) {
      if (Date.now() > deadline || server.exitCode !== null) {
        throw new Error(`expected ${count} replies, got ${JSON.stringify(replies)}; stderr: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  write(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    }),
  );
  write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  return { server, replies, write, waitForReplies, exited, stderr: () => stderr };
}

/** A tools/list request padded to exactly `bytes` bytes. */
function paddedRequest(id: number, bytes: number): string {
  const bare = JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list", params: { _meta: { pad: "" } } });
  const line = JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/list",
    params: { _meta: { pad: "x".repeat(bytes - bare.length) } },
  });
  expect(Buffer.byteLength(line)).toBe(bytes);
  return line;
}

describe("stdio message size", () => {
  it("answers an 11 MiB line with a JSON-RPC error, then serves the next request", async () => {
    const session = start();
    await session.waitForReplies(1);
    session.write(paddedRequest(2, 11 * 1024 * 1024));
    session.write(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }));
    await session.waitForReplies(3);

    const [, tooLarge, listed] = session.replies;
    expect(tooLarge).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
    expect(tooLarge?.error?.message).toMatch(/too large/i);
    expect(tooLarge?.error?.message).toContain("10 MiB");
    expect(listed?.id).toBe(3);
    expect(listed?.result?.tools?.map((tool) => tool.name)).toContain("dlq_list");

    session.server.stdin.end();
    expect(await session.exited).toBe(0);
    const lines = session.stderr().split("\n").filter(Boolean);
    expect(lines.filter((line) => !OWN_LOG_LINE.test(line))).toEqual([]);
    expect(lines.some((line) => /warning: Refused a \d+-byte message/.test(line))).toBe(true);
  });

  it("serves a line of exactly the limit", async () => {
    const session = start();
    await session.waitForReplies(1);
    session.write(paddedRequest(2, LIMIT));
    await session.waitForReplies(2);
    expect(session.replies[1]?.id).toBe(2);
    expect(session.replies[1]?.result?.tools).toBeDefined();
    session.server.stdin.end();
    expect(await session.exited).toBe(0);
  });
});
