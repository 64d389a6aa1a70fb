/**
 * The MCP Inspector's CLI, an independent client, run on Node 24 as it requires: it lists the
 * tools and calls the read-only one against the sandbox over stdio, and over Streamable HTTP
 * with a bearer token passed by --header: the shared one, and an access token from a real
 * OpenID provider when the server signs in with it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolsFor } from "../../src/tools/index.js";
import { TOOL_NAMES } from "../support/data.js";
import { SERVER_ENTRY } from "../support/harness.js";
import { type HttpServerProcess, startHttpServer } from "../support/http-server.js";
import { READ, startProvider, startSignedInServer, type TestProvider } from "../support/oidc.js";
import { INSPECTOR_CLI, NODE_24 } from "../support/platform.js";

const run = promisify(execFile);
const AUTH = "inspector-secret-41d9";

let home: string;
beforeAll(() => {
  // The Inspector keeps a catalogue of servers in its home; each run gets an empty one.
  home = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-inspector-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function inspect(target: string[], method: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(NODE_24, [INSPECTOR_CLI, "--cli", ...target, ...method], {
    env: { PATH: process.env.PATH ?? "", HOME: home, NO_COLOR: "1" },
    timeout: 20_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

interface Listed {
  tools: { name: string; annotations?: { readOnlyHint?: boolean } }[];
}
interface Called {
  isError?: boolean;
  structuredContent?: { returned: number; messages: { dlqId: string }[] };
}

function expectCatalogue(listed: Listed) {
  expect(listed.tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES]);
  expect(listed.tools.filter((tool) => tool.annotations?.readOnlyHint).map((tool) => tool.name)).toEqual(
    toolsFor({ readOnly: true }).map((tool) => tool.name),
  );
}

function expectListing(called: Called, count: number) {
  expect(called.isError).toBeFalsy();
  expect(called.structuredContent?.returned).toBe(count);
  expect(called.structuredContent?.messages).toHaveLength(count);
}

describe("the MCP Inspector CLI over stdio", () => {
  const server = [NODE_24, SERVER_ENTRY, "--sandbox", "--sandbox-entries", "12"];

  it("lists the tools, with the read-only ones marked", async () => {
    expectCatalogue((await inspect(server, ["--method", "tools/list"])) as unknown as Listed);
  });

  it("calls dlq_list", async () => {
    const called = await inspect(server, [
      "--method",
      "tools/call",
      "--tool-name",
      "dlq_list",
      "--tool-arg",
      "count=5",
    ]);
    expectListing(called as Called, 5);
  });
});

describe("the MCP Inspector CLI over Streamable HTTP with a bearer token", () => {
  let http: HttpServerProcess;
  beforeAll(async () => {
    http = await startHttpServer(["--sandbox", "--sandbox-entries", "12"], {
      WORKFLOW_DLQ_MCP_AUTH_TOKEN: AUTH,
    });
  });
  afterAll(() => http.stop());
  const bearer = () => ["--header", `Authorization: Bearer ${AUTH}`];

  it("lists the tools", async () => {
    expectCatalogue(
      (await inspect([http.url, ...bearer()], ["--method", "tools/list"])) as unknown as Listed,
    );
  });

  it("calls dlq_list", async () => {
    const called = await inspect(
      [http.url, ...bearer()],
      ["--method", "tools/call", "--tool-name", "dlq_list", "--tool-arg", "count=3"],
    );
    expectListing(called as Called, 3);
  });

  it("is refused without the token: the Inspector sees the 401 and asks for authorization", async () => {
    const refused = await inspect([http.url], ["--method", "tools/list"]).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(refused?.code).toBe(3);
    expect(JSON.parse(refused?.stderr ?? "{}")).toMatchObject({ error: { code: "auth_required" } });
  });
});

describe("the MCP Inspector CLI with an access token from the team's identity provider", () => {
  let idp: TestProvider;
  let http: HttpServerProcess;
  let token: string;
  beforeAll(async () => {
    idp = await startProvider();
    let resource: string;
    ({ server: http, resource } = await startSignedInServer(idp, ["--sandbox", "--sandbox-entries", "12"]));
    token = await idp.clientToken(resource, READ);
  });
  afterAll(async () => {
    await http.stop();
    await idp.close();
    expect(http.stderr()).not.toContain(token);
  });
  const bearer = () => ["--header", `Authorization: Bearer ${token}`];

  it("lists the tools and calls dlq_list with a read-only token", async () => {
    expectCatalogue(
      (await inspect([http.url, ...bearer()], ["--method", "tools/list"])) as unknown as Listed,
    );
    const called = await inspect(
      [http.url, ...bearer()],
      ["--method", "tools/call", "--tool-name", "dlq_list", "--tool-arg", "count=3"],
    );
    expectListing(called as Called, 3);
  });

  it("is refused a change with that token", async () => {
    const refused = await inspect(
      [http.url, ...bearer()],
      ["--method", "tools/call", "--tool-name", "dlq_resume_all", "--tool-arg", "dryRun=true"],
    ).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(refused?.code).toBeGreaterThan(0);
    // The Inspector read the 403's challenge: it names the scopes a change needs.
    expect(JSON.parse(refused?.stderr ?? "{}")).toMatchObject({
      error: { message: 'Insufficient scope: required "dlq:read dlq:write"' },
    });
  });
});
