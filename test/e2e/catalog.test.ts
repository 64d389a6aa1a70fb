import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_ONLY_TOOL_NAMES, TOOL_NAMES, toolNamesIn } from "../support/data.js";
import { connectServer, type Fixture, SERVER_ENTRY, startFixture, textOf } from "../support/harness.js";

const run = promisify(execFile);
const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

describe("tool catalog", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.close());

  it("lists every tool with titles, annotations and schemas", async () => {
    const { tools } = await fixture.client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(Object.keys(byName).sort()).toEqual([...TOOL_NAMES]);
    const annotatedReadOnly = tools.filter((tool) => tool.annotations?.readOnlyHint === true);
    expect(annotatedReadOnly.map((tool) => tool.name).sort()).toEqual(READ_ONLY_TOOL_NAMES);
    for (const name of ["dlq_resume", "dlq_resume_all", "dlq_restart"]) {
      expect(byName[name]?.annotations).toMatchObject({
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      });
      expect(byName[name]?.outputSchema?.properties).toHaveProperty("workflowRuns");
      expect(byName[name]?.description).toMatch(/dryRun/);
      expect(byName[name]?.description).toMatch(/flowControl/);
    }
    // What every action shares (snapshot, cursor, partial results) is said once, to the session.
    expect(fixture.client.getInstructions()).toMatch(/cursor/);
    expect(fixture.client.getInstructions()).toMatch(/unreportedPossible/);
    expect(byName.dlq_delete?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(byName.dlq_delete?.outputSchema?.properties).toHaveProperty("deletedIds");
    expect(byName.dlq_delete?.outputSchema?.properties).toHaveProperty("deleted");
    expect(byName.dlq_delete?.outputSchema?.properties).not.toHaveProperty("workflowRuns");
    expect(Object.keys(byName.dlq_delete?.inputSchema.properties ?? {}).sort()).toEqual(
      ["all", "confirm", "count", "cursor", "dlqIds", "dryRun", "filter", "maxPages", "where"].sort(),
    );
    expect(byName.dlq_restart?.outputSchema?.properties).toHaveProperty("restarted");
    expect(byName.dlq_restart?.outputSchema?.properties).not.toHaveProperty("resumed");
    expect(Object.keys(byName.dlq_restart?.inputSchema.properties ?? {})).toContain("all");
    expect(byName.dlq_list?.annotations?.readOnlyHint).toBe(true);
    expect(byName.dlq_list?.outputSchema?.properties).toHaveProperty("messages");
    for (const tool of tools) expect(tool.title).toBeTruthy();
  });

  it("publishes argument schemas with the fixed argument names", async () => {
    const { tools } = await fixture.client.listTools();
    const resume = tools.find((tool) => tool.name === "dlq_resume");
    expect(Object.keys(resume?.inputSchema.properties ?? {}).sort()).toEqual(
      [
        "confirm",
        "count",
        "cursor",
        "dlqIds",
        "dryRun",
        "filter",
        "flowControl",
        "label",
        "maxPages",
        "retries",
        "where",
      ].sort(),
    );
    const filter = (resume?.inputSchema.properties as Record<string, { properties?: object }> | undefined)
      ?.filter;
    expect(Object.keys(filter?.properties ?? {}).sort()).toEqual(
      [
        "callerIp",
        "failureFunctionState",
        "flowControlKey",
        "fromDate",
        "label",
        "toDate",
        "workflowCreatedAt",
        "workflowRunId",
        "workflowUrl",
      ].sort(),
    );
    const all = tools.find((tool) => tool.name === "dlq_resume_all");
    expect(Object.keys(all?.inputSchema.properties ?? {})).not.toContain("dlqIds");
    expect(Object.keys(all?.inputSchema.properties ?? {})).not.toContain("filter");
  });

  it("reports its name and version on initialize", () => {
    expect(fixture.client.getServerVersion()).toMatchObject({ name: "workflow-dlq-mcp", version });
  });
});

describe("read-only mode", () => {
  it("registers only the read-only tools, and dlq_list still works", async () => {
    const fixture = await startFixture({}, { args: ["--read-only"] });
    try {
      const { tools } = await fixture.client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(READ_ONLY_TOOL_NAMES);
      const listed = await fixture.call("dlq_list", { count: 5 });
      expect(listed.isError).toBeFalsy();
      expect((listed.structuredContent as { returned: number }).returned).toBe(5);
    } finally {
      await fixture.close();
    }
  });

  it("is also switched on by WORKFLOW_DLQ_MCP_READ_ONLY", async () => {
    const fixture = await startFixture({}, { env: { WORKFLOW_DLQ_MCP_READ_ONLY: "true" } });
    try {
      const { tools } = await fixture.client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(READ_ONLY_TOOL_NAMES);
    } finally {
      await fixture.close();
    }
  });
});

describe("without a token", () => {
  it("starts, lists its tools, and each call names the variable to set", async () => {
    const connected = await connectServer({ env: { QSTASH_URL: "http://127.0.0.1:9" } });
    try {
      const { tools } = await connected.client.listTools();
      expect(tools).toHaveLength(TOOL_NAMES.length);
      for (const [name, args] of [
        ["dlq_list", {}],
        ["dlq_resume", { dlqIds: ["dlq_x"] }],
        ["dlq_resume_all", {}],
      ] as const) {
        const result = await connected.client.callTool({ name, arguments: args });
        expect(result.isError).toBe(true);
        expect(textOf(result as never)).toMatch(/Set QSTASH_TOKEN/);
      }
    } finally {
      await connected.close();
    }
  });

  it("names the regional variable when QSTASH_REGION selects one", async () => {
    const connected = await connectServer({
      env: { QSTASH_REGION: "eu-central-1", EU_CENTRAL_1_QSTASH_URL: "http://127.0.0.1:9" },
    });
    try {
      const result = await connected.client.callTool({ name: "dlq_list", arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result as never)).toMatch(/QSTASH_TOKEN/);
      expect(connected.stderr()).toMatch(/EU_CENTRAL_1_QSTASH_TOKEN/);
    } finally {
      await connected.close();
    }
  });
});

describe("command line", () => {
  it("--version prints the package version", async () => {
    const { stdout } = await run(process.execPath, [SERVER_ENTRY, "--version"]);
    expect(stdout.trim()).toBe(version);
  });

  it("--help describes the modes and every flag with its environment variable", async () => {
    const { stdout } = await run(process.execPath, [SERVER_ENTRY, "--help"]);
    expect(stdout).toMatch(/--sandbox/);
    expect(stdout).toMatch(/emulator/);
    expect(stdout).toMatch(/WORKFLOW_DLQ_MCP_READ_ONLY/);
    // The tools read-only mode keeps, as the help names them: the same as a read-only server lists.
    const readOnly = stdout.split("\n").find((line) => line.trimStart().startsWith("--read-only")) ?? "";
    expect(toolNamesIn(readOnly)).toEqual(READ_ONLY_TOOL_NAMES);
  });

  it("rejects an unknown flag with exit code 2", async () => {
    await expect(run(process.execPath, [SERVER_ENTRY, "--no-such-flag"])).rejects.toMatchObject({ code: 2 });
  });
});
