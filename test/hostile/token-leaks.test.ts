/**
 * A QStash that echoes the token back, in every place and encoding a server could: the built
 * server over stdio must not let any of it reach a tool result, stderr or the journal. The
 * harness checks all three for every form of the token when the connection closes; each test
 * also checks its own answer, so a failure names the way in.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import {
  type Connected,
  connectServer,
  leakForms,
  startFixture,
  TEST_TOKEN,
  textOf,
} from "../support/harness.js";

/** Shaped like a real token (base64 of JSON), with `/`, `+` and `=` that encoders rewrite. */
const TOKEN = "eyJVc2VySUQiOiJsZWFrLWNoZWNr/dGVzdCIs+IlBhc3N3b3JkIjoibGVhayJ9=";
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

interface Answer {
  status: number;
  body: string;
}

type Route = (request: IncomingMessage) => Answer;

/** A stand-in QStash on a loopback port that answers what the test in progress asks it to. */
class EchoingQStash {
  route: Route = () => ({ status: 200, body: '{"messages":[]}' });
  requests = 0;
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.requests += 1;
      request.resume();
      request.on("end", () => {
        const { status, body } = this.route(request);
        response.writeHead(status, { "content-type": "application/json" });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function message(dlqId: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    dlqId,
    messageId: `msg_${dlqId}`,
    workflowRunId: `wfr_${dlqId}`,
    workflowUrl: "https://app.example/api/workflow",
    workflowCreatedAt: NOW - 60_000,
    createdAt: NOW,
    responseStatus: 500,
    ...fields,
  };
}

const listBody = (messages: Record<string, unknown>[], cursor?: string) =>
  JSON.stringify(cursor === undefined ? { messages } : { messages, cursor });

/** Where the server's stderr and journal stood when the test began. */
let mark = { stderr: 0, journal: 0 };

function setMark(connected: Connected): void {
  mark = { stderr: connected.stderr().length, journal: connected.journalLines().length };
}

/** What the server wrote since the test began, so each test is judged on its own answer. */
function written(connected: Connected, result: CallToolResult): string[] {
  return [
    JSON.stringify(result),
    connected.stderr().slice(mark.stderr),
    JSON.stringify(connected.journalLines().slice(mark.journal)),
  ];
}

function expectNoToken(texts: string[]): void {
  for (const text of texts) {
    for (const form of leakForms(TOKEN)) expect(text).not.toContain(form);
  }
}

describe("a QStash that echoes the token", () => {
  const qstash = new EchoingQStash();
  let connected: Connected;

  beforeAll(async () => {
    await qstash.start();
    connected = await connectServer({
      env: { QSTASH_URL: qstash.url, QSTASH_TOKEN: TOKEN },
      args: ["--max-attempts", "2"],
      secrets: [TOKEN],
    });
  });
  afterAll(async () => {
    await connected?.close();
    await qstash.close();
  });
  beforeEach(() => {
    qstash.requests = 0;
    setMark(connected);
  });

  async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const result = (await connected.client.callTool({ name, arguments: args })) as CallToolResult;
    connected.results.push(result);
    return result;
  }

  it("an error body whose token straddles the 500-character cut leaves no prefix of it", async () => {
    qstash.route = () => ({ status: 400, body: `${"x".repeat(470)}${TOKEN} and the rest of the text` });
    const result = await call("dlq_list", {});
    expect(textOf(result)).toMatch(/The server said: "x+/);
    expectNoToken(written(connected, result));
  });

  it("the same in a JSON error field", async () => {
    qstash.route = () => ({ status: 400, body: JSON.stringify({ error: `${"x".repeat(480)}${TOKEN}` }) });
    const result = await call("dlq_resume_all", {});
    expect(textOf(result)).toMatch(/The server said: "x+/);
    expectNoToken(written(connected, result));
  });

  it("a JSON error body that escapes / as \\/", async () => {
    const escaped = TOKEN.replaceAll("/", "\\/");
    qstash.route = () => ({ status: 400, body: `{"error":{"reason":"token ${escaped} refused"}}` });
    const result = await call("dlq_list", {});
    expect(textOf(result)).toContain("[redacted]");
    expectNoToken(written(connected, result));
  });

  it("a URL-encoded token in an error body, retried, so it is also logged", async () => {
    qstash.route = () => ({
      status: 503,
      body: `upstream https://gateway.example/v2?token=${encodeURIComponent(TOKEN)} unavailable`,
    });
    const result = await call("dlq_list", {});
    expect(qstash.requests).toBe(2);
    expect(connected.stderr().slice(mark.stderr)).toMatch(/Retrying/);
    expect(textOf(result)).toContain("[redacted]");
    expectNoToken(written(connected, result));
  });

  it("a token in a listed message's response body, across the preview's cut and in base64", async () => {
    qstash.route = () => ({
      status: 200,
      body: listBody([
        message("dlq_leak_1", { responseBody: `${"y".repeat(290)}${TOKEN}` }),
        message("dlq_leak_2", {
          responseBodyBase64: Buffer.from(`{"echo":"Bearer ${TOKEN}"}`).toString("base64"),
        }),
        message("dlq_leak_3", { responseBody: `{"authorization":"Bearer ${TOKEN}"}` }),
      ]),
    });
    const preview = await call("dlq_list", {});
    expect(preview.isError).toBeFalsy();
    expect(JSON.stringify(preview.structuredContent)).toContain("dlq_leak_1");
    expectNoToken(written(connected, preview));
    const whole = await call("dlq_list", { includeBodies: true, summary: false });
    expect(whole.isError).toBeFalsy();
    expectNoToken(written(connected, whole));
  });

  it("a token inside the server's cursor", async () => {
    qstash.route = () => ({
      status: 200,
      body: listBody([message("dlq_leak_4", { responseBody: "fine" })], `page-2.${TOKEN}`),
    });
    const result = await call("dlq_list", { maxPages: 1 });
    expect(result.isError).toBeFalsy();
    const cursor = (result.structuredContent as { cursor?: string }).cursor;
    expect(cursor).toBeTruthy();
    // A cursor may wrap the server's in base64 of its own: decoded, it must not hold the token either.
    for (const decoded of [cursor ?? "", Buffer.from(cursor ?? "", "base64url").toString("latin1")]) {
      expect(decoded).not.toContain(TOKEN.slice(0, 12));
    }
    expectNoToken(written(connected, result));
  });
});

describe("a token read from a mounted secret file", () => {
  let fixture: Awaited<ReturnType<typeof startFixture>>;
  beforeAll(async () => {
    fixture = await startFixture({ entries: 20, seed: 3 }, { env: { QSTASH_TOKEN: `${TEST_TOKEN}\n` } });
  });
  afterAll(() => fixture?.close());

  it("works: the line break at its end is dropped at start-up", async () => {
    const result = await fixture.call("dlq_list", { count: 5 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ returned: 5 });
    expect(fixture.emulator.requests.every((request) => request.status === 200)).toBe(true);
    expect(fixture.stderr()).not.toMatch(/may have been processed|warning/);
  });
});

describe("a token with a line break inside it", () => {
  let fixture: Awaited<ReturnType<typeof startFixture>>;
  let emulator: Emulator;
  const broken = `${TEST_TOKEN.slice(0, 10)}\n${TEST_TOKEN.slice(10)}`;
  beforeAll(async () => {
    fixture = await startFixture({ entries: 20, seed: 3 }, { env: { QSTASH_TOKEN: broken } });
    emulator = fixture.emulator;
  });
  afterAll(() => fixture?.close());

  it("is refused at start-up with one warning, and every call says so without sending anything", async () => {
    for (const [tool, args] of [
      ["dlq_list", {}],
      ["dlq_resume", { dlqIds: ["dlq_x"] }],
      ["dlq_resume_all", { dryRun: true }],
    ] as const) {
      const result = await fixture.call(tool, args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /QSTASH_TOKEN has a line break in it, so it cannot be sent as a QStash token/,
      );
      expect(textOf(result)).not.toMatch(/may have been processed/);
    }
    expect(emulator.requests).toHaveLength(0);
    const warnings = fixture.stderr().match(/QSTASH_TOKEN has a line break in it/g) ?? [];
    expect(warnings).toHaveLength(1);
    for (const piece of broken.split("\n")) expect(fixture.stderr()).not.toContain(piece);
  });
});
