/**
 * The built server spawned over stdio as a plain child process, with an SDK client on its pipes:
 * unlike the SDK's StdioClientTransport, the test decides how the session ends (stdin closing, a
 * signal) and sees the exit code, every stderr line and every raw stdout line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { connectTransport, type Era, type McpTestClient, SUITE_ERA } from "./clients.js";
import { SERVER_ENTRY, serverArgs } from "./harness.js";

/** Lines the server writes itself; anything else on stderr is a crash, a stack trace or a Node warning. */
export const OWN_LOG_LINE = /^\[workflow-dlq-mcp\] (debug|info|warning|error): /;

export interface StdioChild {
  child: ChildProcess;
  client: McpTestClient;
  stderr: () => string;
  /** stderr lines that are not the server's own log lines. */
  foreignStderr: () => string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process if it is still running. */
  kill: () => Promise<void>;
}

export async function spawnStdioServer(
  args: string[],
  env: Record<string, string>,
  era: Era = SUITE_ERA,
): Promise<StdioChild> {
  const child = spawn(process.execPath, [SERVER_ENTRY, ...serverArgs(args)], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  // "close", not "exit": by then stderr has been read to its end.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const client = await connectTransport(new ChildTransport(child), era);
  return {
    child,
    client,
    stderr: () => stderr,
    foreignStderr: () =>
      stderr
        .split("\n")
        .filter(Boolean)
        .filter((line) => !OWN_LOG_LINE.test(line)),
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Client side of the child's pipes; closing it leaves the child alone. */
class ChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();

  constructor(private readonly child: ChildProcess) {}

  async start(): Promise<void> {
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.buffer.readMessage();
        } catch (error) {
          this.onerror?.(error as Error);
          continue;
        }
        if (message === null) break;
        this.onmessage?.(message);
      }
    });
    this.child.once("close", () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.child.stdin?.writable) this.child.stdin.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

/**
 * A node script run to its end with only PATH in its environment, as a command that is meant to
 * finish (a refusal, a report): its exit code and everything it wrote.
 */
export async function runToExit(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  // "close", not "exit": every byte the pipes carried has been read by then.
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { code, stdout, stderr };
}
