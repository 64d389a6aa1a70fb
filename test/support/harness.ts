/**
 * End-to-end harness: a real emulator on an ephemeral loopback port and the built server
 * spawned over stdio, connected through the SDK's Client exactly as a desktop client does.
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";

export const SERVER_ENTRY = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
export const TEST_TOKEN = "test_token_5f2b9c7e1d";

export interface Connected {
  client: Client;
  stderr: () => string;
  close: () => Promise<void>;
}

export async function connectServer(
  options: { env?: Record<string, string>; args?: string[] } = {},
): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER_ENTRY, ...(options.args ?? [])],
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "workflow-dlq-mcp-tests", version: "0.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export interface Fixture extends Connected {
  emulator: Emulator;
  call: (name: string, args: Record<string, unknown>) => Promise<CallToolResult>;
}

/** An emulator plus a server pointed at it with a valid token. */
export async function startFixture(
  emulatorOptions: Partial<EmulatorOptions> = {},
  serverOptions: { env?: Record<string, string>; args?: string[] } = {},
): Promise<Fixture> {
  const emulator = await startEmulator({ token: TEST_TOKEN, entries: 120, seed: 7, ...emulatorOptions });
  const connected = await connectServer({
    ...serverOptions,
    env: { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN, ...serverOptions.env },
  });
  return {
    ...connected,
    emulator,
    call: async (name, args) =>
      (await connected.client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await connected.close();
      await emulator.close();
    },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content
    .filter((part): part is { type: "text"; text: string } => part.type === "text")
    .map((part) => part.text)
    .join("\n");
}

export interface ResumeStructured {
  mode: string;
  workflowRuns: { workflowRunId: string; workflowCreatedAt: number }[];
  resumed: number;
  pages: number;
  complete: boolean;
  cursor?: string;
  stopReason: string;
  notFound?: string[];
  unreportedPossible?: boolean;
  error?: { kind: string; message: string; status?: number };
}

export function resumeData(result: CallToolResult): ResumeStructured {
  if (result.isError) throw new Error(`expected a result, got a tool error: ${textOf(result)}`);
  return result.structuredContent as unknown as ResumeStructured;
}
