/**
 * End-to-end harness: a real emulator on an ephemeral loopback port and the built server
 * spawned over stdio, connected through an SDK client exactly as a desktop client does, on the
 * suite's protocol era (see clients.ts).
 *
 * Every connection is also a secrets-and-stdout check: when it closes, no tool result, stderr
 * line or journal line may contain a token, every line the server wrote to stdout must have
 * been a JSON-RPC message (the client's transport reports anything else as an error), and once
 * the process is gone its stderr must hold only the server's own log lines: no stack trace, no
 * Node warning.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import { type CursorState, encodeCursor } from "../../src/engine/cursor.js";
import { QStashClient } from "../../src/qstash/client.js";
import { type Asker, connectStdio, type Era, type McpTestClient, SUITE_ERA } from "./clients.js";

export const SERVER_ENTRY = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
export const TEST_TOKEN = "test_token_5f2b9c7e1d";

export interface Connected {
  client: McpTestClient;
  stderr: () => string;
  /** The journal file this server writes (in a fresh state directory). */
  journalPath: string;
  journalLines: () => Record<string, unknown>[];
  /** Tool results seen so far, for the secrets check. */
  results: CallToolResult[];
  close: () => Promise<void>;
}

export interface ServerLaunch {
  env?: Record<string, string>;
  args?: string[];
  /** Secrets that must never show up anywhere the server writes. */
  secrets?: string[];
  /** The client's protocol era; the suite's by default. */
  era?: Era;
  /**
   * Keep the server's confirmation before large changes. Off by default here: most suites test
   * what a call does once it is allowed to, and the confirmation suites switch it on.
   */
  confirm?: boolean;
  /** The client declares form elicitation and answers the server's questions with this. */
  asks?: Asker;
}

/** The flags a test server runs with: unattended unless the test is about asking. */
export function serverArgs(args: readonly string[] = [], confirm = false): string[] {
  const chosen = args.some((arg) => arg === "--no-confirm" || arg.startsWith("--confirm-over"));
  return confirm || chosen ? [...args] : [...args, "--no-confirm"];
}

export async function connectServer(options: ServerLaunch = {}): Promise<Connected> {
  const stateHome = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-state-"));
  const journalPath = join(stateHome, "workflow-dlq-mcp", "journal.jsonl");
  const client = await connectStdio(
    {
      command: process.execPath,
      args: [SERVER_ENTRY, ...serverArgs(options.args, options.confirm)],
      env: { PATH: process.env.PATH ?? "", HOME: stateHome, XDG_STATE_HOME: stateHome, ...options.env },
    },
    options.era ?? SUITE_ERA,
    options.asks,
  );
  let stderr = "";
  client.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  // The child's stderr ends when the process is gone.
  const stderrEnded = new Promise<boolean>((resolve) => client.stderr?.once("end", () => resolve(true)));
  const transportErrors: Error[] = [];
  client.onTransportError((error) => transportErrors.push(error));
  const results: CallToolResult[] = [];
  const journalLines = () =>
    existsSync(journalPath)
      ? readFileSync(journalPath, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>)
      : [];
  return {
    client,
    stderr: () => stderr,
    journalPath,
    journalLines,
    results,
    close: async () => {
      await client.close();
      const journal = existsSync(journalPath) ? readFileSync(journalPath, "utf8") : "";
      rmSync(stateHome, { recursive: true, force: true });
      const launched = Object.entries(options.env ?? {})
        .filter(([name, value]) => name.endsWith("QSTASH_TOKEN") && value.trim().length >= 4)
        .map(([, value]) => value.trim());
      const written = [...results.map((result) => JSON.stringify(result)), stderr, journal];
      for (const secret of new Set([TEST_TOKEN, ...launched, ...(options.secrets ?? [])])) {
        for (const form of leakForms(secret)) {
          for (const text of written) expect(text).not.toContain(form);
        }
      }
      expect(transportErrors.map((error) => error.message)).toEqual([]);
      const exited = await Promise.race([
        stderrEnded,
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000)),
      ]);
      expect(exited, "the server process is gone after the client closed").toBe(true);
      const foreign = stderr
        .split("\n")
        .filter(Boolean)
        .filter((line) => !/^\[workflow-dlq-mcp\] (debug|info|warning|error): /.test(line));
      expect(foreign, "stderr lines that are not the server's own log lines").toEqual([]);
    },
  };
}

/**
 * A secret as it could be written out: raw and JSON-escaped (also with `\/`), URL- and
 * form-encoded, base64 and base64url; and its first quarter, enough to tell a text cut short
 * through the secret. Listed here independently of the server's own redactor.
 */
export function leakForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const base64 = Buffer.from(secret).toString("base64").replace(/=+$/, "");
  return [
    ...new Set([
      secret,
      json,
      json.replaceAll("/", "\\/"),
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
      base64,
      base64.replaceAll("+", "-").replaceAll("/", "_"),
      secret.slice(0, Math.max(8, Math.ceil(secret.length / 4))),
    ]),
  ];
}

export interface Fixture extends Connected {
  emulator: Emulator;
  call: (name: string, args: Record<string, unknown>) => Promise<CallToolResult>;
}

/** An emulator plus a server pointed at it with a valid token. */
export async function startFixture(
  emulatorOptions: Partial<EmulatorOptions> = {},
  launch: ServerLaunch = {},
): Promise<Fixture> {
  const emulator = await startEmulator({ token: TEST_TOKEN, entries: 120, seed: 7, ...emulatorOptions });
  const connected = await connectServer({
    ...launch,
    env: { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN, ...launch.env },
  });
  return {
    ...connected,
    emulator,
    call: async (name, args) => {
      const result = (await connected.client.callTool({ name, arguments: args })) as CallToolResult;
      connected.results.push(result);
      return result;
    },
    close: async () => {
      try {
        await connected.close();
      } finally {
        await emulator.close();
      }
    },
  };
}

/** All text content of a result: what its size bound limits. */
export function textChars(result: CallToolResult): number {
  return result.content.reduce((sum, part) => sum + (part.type === "text" ? part.text.length : 0), 0);
}

export function textOf(result: CallToolResult): string {
  return result.content
    .filter((part): part is { type: "text"; text: string } => part.type === "text")
    .map((part) => part.text)
    .join("\n");
}

export interface ResumeStructured {
  mode: string;
  workflowRuns: { dlqId?: string; workflowRunId: string; workflowCreatedAt: number }[];
  resumed: number;
  pages: number;
  complete: boolean;
  cursor?: string;
  stopReason: string;
  notFound?: string[];
  probablyResumed?: string[];
  unreportedPossible?: boolean;
  unreportedAtMost?: number;
  snapshot?: string;
  workflowRunsTruncated?: boolean;
  workflowRunsResource?: string;
  nearMisses?: string[];
  error?: { kind: string; message: string; status?: number; retryAfterSeconds?: number };
  preview?: {
    matched: number;
    matchedIsLowerBound: boolean;
    found?: string[];
    notFound?: string[];
    sample: Record<string, unknown>[];
    summary: Record<string, unknown>;
  };
}

export function resumeData(result: CallToolResult): ResumeStructured {
  if (result.isError) throw new Error(`expected a result, got a tool error: ${textOf(result)}`);
  return result.structuredContent as unknown as ResumeStructured;
}

/**
 * One fixture for a describe block, with a fresh DLQ, request log and fault list before every
 * test. Returned as a stand-in that forwards to the fixture once beforeAll has started it, so
 * tests read like they hold the fixture itself.
 */
export function useFixture(emulatorOptions: Partial<EmulatorOptions>, launch: ServerLaunch = {}): Fixture {
  let current: Fixture | undefined;
  beforeAll(async () => {
    current = await startFixture(emulatorOptions, launch);
  });
  afterAll(() => current?.close());
  beforeEach(() => {
    current?.emulator.reset(emulatorOptions);
    current?.emulator.clearRequests();
    current?.emulator.clearFaults();
  });
  return new Proxy({} as Fixture, {
    get(_, property) {
      if (!current) throw new Error("the fixture is used before beforeAll started it");
      return current[property as keyof Fixture];
    },
  });
}

/**
 * A cursor as a server holding `token` would hand it out: sealed with the key it derives. Tests
 * use it to hand the server cursors of their own making that it must take as its own.
 */
export function sealedCursor(state: CursorState, token = TEST_TOKEN): string {
  const key = new QStashClient({ baseUrl: "http://127.0.0.1:9", token }).derivedKey("cursor");
  return encodeCursor(state, key);
}
