import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { connectHttp as connect } from "../support/clients.js";
import { FIXED_NOW, TOOL_NAMES } from "../support/data.js";
import { SERVER_ENTRY, TEST_TOKEN } from "../support/harness.js";
import { type HttpServerProcess, startHttpServer } from "../support/http-server.js";
import { until } from "../support/wait.js";

const run = promisify(execFile);
const AUTH = "shared-secret-7c1f0a";

const rpc = (method: string, id = 1) => JSON.stringify({ jsonrpc: "2.0", id, method, params: {} });
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
});
const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** POSTs an initialize request with extra headers; the status and headers are what the tests read. */
async function postInitialize(url: string, headers: Record<string, string>) {
  const response = await request(url, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...headers },
    body: initialize,
  });
  await response.body.dump();
  return { status: response.statusCode, headers: response.headers };
}

describe("Streamable HTTP, stateless, against the sandbox", () => {
  let server: HttpServerProcess;
  beforeAll(async () => {
    server = await startHttpServer(["--sandbox", "--sandbox-entries", "300", "--inline-runs", "20"]);
  });
  afterAll(() => server.stop());

  it("serves the tools through the SDK's Streamable HTTP client", async () => {
    const client = await connect(server.url);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES]);
      const listed = (await client.callTool({ name: "dlq_list", arguments: { count: 3 } })) as CallToolResult;
      expect((listed.structuredContent as { returned: number }).returned).toBe(3);
    } finally {
      await client.close();
    }
  });

  it("keeps no session: a request with no initialize before it is answered", async () => {
    const response = await request(server.url, {
      method: "POST",
      headers: MCP_HEADERS,
      body: rpc("tools/list", 7),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["mcp-session-id"]).toBeUndefined();
    const text = await response.body.text();
    expect(text).toContain('"id":7');
    expect(text).toContain("dlq_resume_all");
  });

  it("lists every resumed run inline, since no session could hold a resource", async () => {
    const client = await connect(server.url);
    try {
      const result = (await client.callTool({
        name: "dlq_resume_all",
        arguments: { count: 50, maxPages: 2 },
      })) as CallToolResult;
      const data = result.structuredContent as { resumed: number; workflowRuns: unknown[] };
      expect(data.resumed).toBe(100);
      expect(data.workflowRuns).toHaveLength(100);
      expect(JSON.stringify(result)).not.toMatch(/journal/);
      expect(result.content.some((part) => part.type === "resource_link")).toBe(false);
    } finally {
      await client.close();
    }
  });

  it("answers /healthz, and 405 to GET /mcp", async () => {
    const health = await request(`${server.origin}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toMatchObject({ status: "ok" });
    const get = await request(server.url, { headers: { accept: "text/event-stream" } });
    expect(get.statusCode).toBe(405);
    await get.body.dump();
  });

  it.each([
    ["a foreign Host", { host: "evil.example.com" }],
    ["a foreign Origin", { origin: "https://evil.example.com" }],
  ])("rejects %s (DNS rebinding) with 403", async (_, headers) => {
    const response = await postInitialize(server.url, headers);
    expect(response.status).toBe(403);
  });

  it("accepts a loopback Origin", async () => {
    const response = await postInitialize(server.url, { origin: server.origin });
    expect(response.status).toBe(200);
  });
});

describe("allowed hosts", () => {
  let server: HttpServerProcess;
  beforeAll(async () => {
    server = await startHttpServer([
      "--sandbox",
      "--sandbox-entries",
      "10",
      "--allowed-hosts",
      "DLQ.example.com",
    ]);
  });
  afterAll(() => server.stop());

  it("compares Host names without regard to case, as host names are", async () => {
    for (const host of ["dlq.example.com", "Dlq.Example.COM:3333"]) {
      expect((await postInitialize(server.url, { host })).status, host).toBe(200);
    }
    expect((await postInitialize(server.url, { host: "dlq.example.org" })).status).toBe(403);
  });
});

describe("bearer-token auth", () => {
  let server: HttpServerProcess;
  beforeAll(async () => {
    server = await startHttpServer(["--sandbox", "--sandbox-entries", "10"], {
      WORKFLOW_DLQ_MCP_AUTH_TOKEN: AUTH,
    });
  });
  afterAll(() => server.stop());

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer not-the-token" }],
    ["the token without the scheme", { authorization: AUTH }],
  ])("refuses %s with 401", async (_, headers) => {
    const response = await postInitialize(server.url, headers);
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("keeps the shared token out of its log, even where the SDK's error quotes a header holding it", async () => {
    const response = await request(server.url, {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: `Bearer ${AUTH}`, "mcp-protocol-version": AUTH },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    await response.body.dump();
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    await until(() => /MCP request failed/.test(server.stderr()));
    expect(server.stderr()).not.toContain(AUTH);
  });

  it("takes the Bearer scheme in any case, as RFC 6750 allows", async () => {
    const response = await postInitialize(server.url, { authorization: `bearer ${AUTH}` });
    expect(response.status).toBe(200);
  });

  it("answers an oversized body with 413", async () => {
    // A connection of its own: the server drops it after answering, mid-upload.
    const dispatcher = new Agent();
    try {
      const response = await request(server.url, {
        dispatcher,
        method: "POST",
        headers: { ...MCP_HEADERS, authorization: `Bearer ${AUTH}` },
        body: "x".repeat(5 * 1024 * 1024),
      });
      expect(response.statusCode).toBe(413);
      await response.body.dump();
    } finally {
      await dispatcher.destroy();
    }
  });

  it("lets the right token through, and leaves /healthz open for load balancers", async () => {
    const client = await connect(server.url, { authorization: `Bearer ${AUTH}` });
    expect((await client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
    await client.close();
    expect((await request(`${server.origin}/healthz`)).statusCode).toBe(200);
    expect(server.stderr()).not.toContain(AUTH);
  });
});

describe("binding beyond loopback", () => {
  it("refuses to start without sign-in or an auth token, naming both", async () => {
    await expect(
      run(process.execPath, [SERVER_ENTRY, "--http", "--host", "0.0.0.0", "--port", "0", "--sandbox"]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /Refusing to serve on 0\.0\.0\.0 without authentication: set --oauth-issuer and --resource-url \(sign-in for a team\), or --auth-token/,
      ),
    });
  });
});

describe("draining on SIGTERM", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({
      token: TEST_TOKEN,
      entries: 300,
      seed: 2,
      now: FIXED_NOW,
      latencyMs: 150,
    });
  });
  afterAll(() => emulator.close());

  it("finishes the page in flight, starts no other, answers with a cursor, refuses new calls, then exits 0", async () => {
    const server = await startHttpServer([], { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN });
    const client = await connect(server.url);
    try {
      const call = client.callTool({ name: "dlq_resume_all", arguments: { count: 50, maxPages: 5 } });
      while (emulator.resumed.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      server.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 50));
      const late = await postInitialize(server.url, {}).catch((error: Error) => error);
      if (!(late instanceof Error)) expect(late.status).toBe(503);
      const result = (await call) as CallToolResult;
      const data = result.structuredContent as { resumed: number; stopReason: string; cursor?: string };
      expect(data.stopReason).toBe("shutdown");
      expect(data.resumed).toBeLessThan(250);
      expect(data.cursor).toBeTruthy();
      expect(await server.exited).toBe(0);
      // Everything the emulator resumed is in the answer: the drain let the page in flight land.
      expect(emulator.resumed).toHaveLength(data.resumed);
    } finally {
      await client.close().catch(() => {});
      await server.stop();
    }
  });
});
