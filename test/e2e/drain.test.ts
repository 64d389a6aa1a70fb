/**
 * The HTTP drain on SIGTERM: nothing starts once it began, what runs may finish within the grace
 * period (by default well inside Kubernetes' 30 s), a repeated signal does not cut it short, and
 * the calls themselves are waited for, not only the responses still open.
 */
import { request as httpRequest } from "node:http";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CallTracker } from "../../src/calls.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { serveHttp } from "../../src/transports/http.js";
import { connectHttp, type McpTestClient } from "../support/clients.js";
import { FIXED_NOW } from "../support/data.js";
import { TEST_TOKEN } from "../support/harness.js";
import { startHttpServer } from "../support/http-server.js";

const RESUME_PATH = "/v2/workflows/dlq/resume";
const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

const RESUME_CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "dlq_resume_all", arguments: { count: 50, maxPages: 1 } },
});

/**
 * A POST of RESUME_CALL whose headers pass every check and whose body is held back after its
 * first bytes, until the test sends the rest. Settles with the answer, or with the error of a
 * connection the server closed.
 */
function startUpload(url: string) {
  const post = httpRequest(url, {
    method: "POST",
    headers: { ...MCP_HEADERS, "content-length": Buffer.byteLength(RESUME_CALL) },
  });
  const answered = new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
    post.once("response", (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
      });
      response.once("end", () => resolve({ status: response.statusCode, text }));
      response.once("error", reject);
    });
    post.on("error", reject);
  });
  post.write(RESUME_CALL.slice(0, 10));
  return { answered, finish: () => post.end(RESUME_CALL.slice(10)), abort: () => post.destroy() };
}

describe("draining the HTTP server", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ token: TEST_TOKEN, entries: 300, seed: 9, now: FIXED_NOW });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    emulator.clearRequests();
    emulator.clearFaults();
  });
  const env = () => ({ QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN });
  const resumes = () => emulator.requests.filter((r) => r.path === RESUME_PATH);

  it("refuses at once with 503 a request whose body is still arriving, and exits 0 without waiting out the grace", async () => {
    const server = await startHttpServer(["--drain-grace", "4"], env());
    // The headers pass every check; the server is waiting for the rest of the body.
    const upload = startUpload(server.url);
    try {
      await sleep(200);
      const signalled = Date.now();
      server.child.kill("SIGTERM");
      // No call started: the drain does not wait for a client that may upload past its grace.
      const { status, text } = await upload.answered;
      expect(status).toBe(503);
      expect(text).toContain("shutting down");
      expect(await server.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(2_000);
      expect(server.stderr()).not.toMatch(/cut off/);
      // The rest of the body, sent too late, starts nothing.
      upload.finish();
      await sleep(100);
      expect(resumes()).toEqual([]);
      expect(emulator.resumed).toEqual([]);
    } finally {
      upload.abort();
      await server.stop();
    }
  });

  it("keeps draining through a second SIGTERM, lets the call finish, then exits 0", async () => {
    emulator.inject({ kind: "slow", match: (r) => r.path === RESUME_PATH, delayMs: 800 });
    const server = await startHttpServer([], env());
    let client: McpTestClient | undefined;
    try {
      client = await connectHttp(server.url);
      const call = client.callTool({ name: "dlq_resume_all", arguments: { count: 50, maxPages: 2 } });
      await waitFor(() => emulator.resumed.length > 0);
      server.child.kill("SIGTERM");
      await sleep(100);
      // Still listening, so a load balancer sees the drain rather than a refused connection.
      const health = await request(`${server.origin}/healthz`);
      expect(health.statusCode).toBe(503);
      expect(await health.body.json()).toMatchObject({ status: "draining" });
      server.child.kill("SIGTERM");

      const result = (await call) as CallToolResult;
      expect(result.isError).toBeFalsy();
      const resumed = (result.structuredContent as { resumed: number }).resumed;
      expect(resumed).toBeGreaterThanOrEqual(50);
      expect(resumed).toBe(emulator.resumed.length);
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toMatch(/warning: SIGTERM again: still draining/);
    } finally {
      await client?.close().catch(() => {});
      await server.stop();
    }
  });

  it("gives up on a call that outlasts --drain-grace, says so, and exits 1", async () => {
    emulator.inject({ kind: "slow", match: (r) => r.path === RESUME_PATH, delayMs: 8_000 });
    const server = await startHttpServer(["--drain-grace", "1"], env());
    let client: McpTestClient | undefined;
    try {
      client = await connectHttp(server.url);
      // Cut off with the server: the client may wait for an answer that never comes; closing the
      // client ends it.
      void client.callTool({ name: "dlq_resume_all", arguments: { count: 50, maxPages: 2 } }).catch(() => {});
      await waitFor(() => emulator.resumed.length > 0);
      const signalled = Date.now();
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(1);
      // The grace, then at most the bounded close of the QStash pool.
      expect(Date.now() - signalled).toBeLessThan(5_000);
      expect(server.stderr()).toMatch(
        /warning: Calls still running 1 s into the shutdown \(--drain-grace\) were cut off/,
      );
    } finally {
      await client?.close().catch(() => {});
      await server.stop();
    }
  });

  it("with nothing in flight exits at once, within a default grace that fits in 30 s", async () => {
    const server = await startHttpServer([], env());
    try {
      const signalled = Date.now();
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(2_000);
      const grace = Number(/calls in flight have (\d+) s to finish/.exec(server.stderr())?.[1]);
      expect(grace).toBe(20);
    } finally {
      await server.stop();
    }
  });
});

describe("the drain and the call tracker", () => {
  /** An HTTP server that answers no MCP request: only its drain and the tracker are under test. */
  const serveNothing = (calls: CallTracker) =>
    serveHttp({
      host: "127.0.0.1",
      port: 0,
      createMcpServer: () => {
        throw new Error("no request is made");
      },
      calls,
      log: { log: () => {} },
      version: "0.0.0",
    });

  it("waits for a tracked call whose response is long gone, and tells it to stop", async () => {
    const calls = new CallTracker();
    const handle = await serveNothing(calls);
    // A call whose client hung up: no HTTP response is open, the call still runs.
    const call = calls.begin();
    let drained: boolean | undefined;
    const draining = handle.drain(5_000).then((settled) => {
      drained = settled;
      return settled;
    });
    await sleep(200);
    expect(drained).toBeUndefined();
    expect(call.stopping.aborted).toBe(true);
    call.end();
    expect(await draining).toBe(true);
  });

  it("stops waiting at the grace and says the calls did not settle", async () => {
    const calls = new CallTracker();
    const handle = await serveNothing(calls);
    calls.begin();
    const started = Date.now();
    expect(await handle.drain(150)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
