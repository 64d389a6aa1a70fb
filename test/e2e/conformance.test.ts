/**
 * The MCP conformance suite's server scenarios that apply to this server, run against the
 * Streamable HTTP transport. The others exercise features this server does not offer (prompts,
 * completion, sampling, elicitation, SSE resumption) or need the suite's own fixture tools.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpServerProcess, startHttpServer } from "../support/http-server.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const CONFORMANCE = require.resolve("@modelcontextprotocol/conformance/dist/index.js");

const APPLICABLE_SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "dns-rebinding-protection",
];

describe("MCP conformance (server scenarios)", () => {
  let server: HttpServerProcess;
  beforeAll(async () => {
    server = await startHttpServer(["--sandbox", "--sandbox-entries", "20"]);
  });
  afterAll(() => server.stop());

  it.each(APPLICABLE_SCENARIOS)("%s", async (scenario) => {
    const { stdout } = await run(
      process.execPath,
      [CONFORMANCE, "server", "--url", server.url, "--scenario", scenario],
      {
        env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
      },
    );
    expect(stdout).toMatch(/Passed: (\d+)\/\1, 0 failed/);
  });
});
