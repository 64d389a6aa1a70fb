/**
 * The MCP conformance suite's server scenarios that apply to this server, on both protocol
 * versions, against the Streamable HTTP transport (the suite tests servers over HTTP only): its
 * latest release for 2025-11-25 and its newest prerelease for 2026-07-28, run on Node 24 as they
 * require. Every check of a scenario must pass, except the ones named below with the reason they
 * cannot apply. The scenarios left out, and why, are listed in docs/testing.md.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpServerProcess, startHttpServer } from "../support/http-server.js";
import { CONFORMANCE_2025, CONFORMANCE_2026, NODE_24 } from "../support/platform.js";

const run = promisify(execFile);

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "SKIPPED" | "INFO";
  errorMessage?: string;
}

/**
 * Checks that need the suite's own diagnostic tools, or a capability this server does not offer,
 * with the message they must fail with: any other failure of them is a real one.
 */
const NOT_APPLICABLE: Record<string, { why: string; message: RegExp }> = {
  "sep-2575-server-rejects-undeclared-capability": {
    why: "needs the suite's test_missing_capability tool; no call here needs a client capability",
    message: /^Not testable: server does not list the diagnostic tool 'test_missing_capability'/,
  },
  "sep-2575-missing-capability-http-400": {
    why: "the same check's HTTP status",
    message: /^Not testable: server does not list the diagnostic tool 'test_missing_capability'/,
  },
  "sep-2575-http-server-no-independent-requests-on-stream": {
    why: "needs the suite's test_streaming_elicitation tool",
    message: /^Not testable: server does not list the diagnostic tool 'test_streaming_elicitation'/,
  },
  "sep-2575-server-no-log-without-loglevel": {
    why: "needs the suite's test_logging_tool",
    message: /^Not testable: server does not list the diagnostic tool 'test_logging_tool'/,
  },
  "sep-2549-prompts-list-caching-hints": {
    why: "the server offers no prompts",
    message: /^prompts\/list returned JSON-RPC error -32601: Method not found$/,
  },
  "sep-2549-resources-list-caching-hints": {
    why: "over HTTP the server keeps no resources: there is no session to hold them",
    message: /^resources\/list returned JSON-RPC error -32601: Method not found$/,
  },
  "sep-2549-resources-templates-list-caching-hints": {
    why: "the same, for templates",
    message: /^resources\/templates\/list returned JSON-RPC error -32601: Method not found$/,
  },
};

const SUITES = [
  {
    version: "2025-11-25",
    runner: CONFORMANCE_2025,
    scenarios: ["server-initialize", "ping", "tools-list", "logging-set-level", "dns-rebinding-protection"],
  },
  {
    version: "2026-07-28",
    runner: CONFORMANCE_2026,
    scenarios: [
      "server-stateless",
      "tools-list",
      "caching",
      "http-header-validation",
      "dns-rebinding-protection",
    ],
  },
] as const;

describe.each(SUITES)("MCP conformance, $version", ({ runner, scenarios }) => {
  let server: HttpServerProcess;
  let output: string;
  beforeAll(async () => {
    server = await startHttpServer(["--sandbox", "--sandbox-entries", "20"]);
    output = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-conformance-"));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(output, { recursive: true, force: true });
  });

  it.each(scenarios)("%s", async (scenario) => {
    const dir = join(output, scenario);
    // The runner exits non-zero when any check fails, not-applicable ones included; the checks
    // file is the verdict.
    await run(NODE_24, [runner, "server", "--url", server.url, "--scenario", scenario, "-o", dir], {
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    }).catch(() => undefined);
    const [runDir] = readdirSync(dir);
    const checks = JSON.parse(readFileSync(join(dir, runDir as string, "checks.json"), "utf8")) as Check[];
    expect(checks.length).toBeGreaterThan(0);
    const failed = checks
      .filter((check) => check.status === "FAILURE" || check.status === "WARNING")
      .filter((check) => !NOT_APPLICABLE[check.id]?.message.test(check.errorMessage ?? ""))
      .map((check) => `${check.id}: ${check.errorMessage ?? check.status}`);
    expect(failed).toEqual([]);
    expect(checks.filter((check) => check.status === "SUCCESS").length).toBeGreaterThan(0);
  });
});
