/** Spawns the built server in Streamable HTTP mode and waits for the URL it announces on stderr. */
import { type ChildProcess, spawn } from "node:child_process";
import { expect } from "vitest";
import { SERVER_ENTRY, serverArgs } from "./harness.js";

export interface HttpServerProcess {
  url: string;
  origin: string;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

export async function startHttpServer(
  args: string[],
  env: Record<string, string> = {},
  options: { confirm?: boolean } = {},
): Promise<HttpServerProcess> {
  // No journal unless the test asks for one.
  const journal = args.includes("--journal") ? [] : ["--no-journal"];
  const flags = serverArgs([...journal, ...args], options.confirm);
  const child = spawn(process.execPath, [SERVER_ENTRY, "--http", "--port", "0", ...flags], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL announced; stderr: ${stderr}`)), 10_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const match = /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    child,
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
      // Neither the QStash token nor the clients' bearer token may show up in the server's log.
      for (const secret of [env.QSTASH_TOKEN, env.WORKFLOW_DLQ_MCP_AUTH_TOKEN]) {
        if (secret) expect(stderr).not.toContain(secret);
      }
    },
  };
}
