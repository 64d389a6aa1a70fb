import { McpServer } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { stderrLogger } from "../../src/log.js";
import { compactSchema } from "../../src/mcp/catalogue.js";
import { QStashClient } from "../../src/qstash/client.js";
import { createServer } from "../../src/server.js";
import { TOOLS } from "../../src/tools/index.js";
import { listTools } from "../support/tools-list.js";

describe("the cached tool catalogue", () => {
  it("is what the SDK itself would publish for the same definitions, compacted", async () => {
    const reference = new McpServer({ name: "reference", version: "0" });
    for (const { name, title, description, inputSchema, outputSchema, annotations } of TOOLS) {
      reference.registerTool(
        name,
        { title, description, inputSchema, outputSchema, annotations } as never,
        async () => ({ content: [] }),
      );
    }
    const ours = createServer({
      client: new QStashClient({ baseUrl: "http://127.0.0.1:9", token: undefined }),
      log: stderrLogger("test", true),
    });
    const byName = (tools: { name: string }[]) => [...tools].sort((a, b) => a.name.localeCompare(b.name));
    const compacted = (await listTools(reference)).map((tool) => ({
      ...tool,
      inputSchema: compactSchema(tool.inputSchema, "input"),
      outputSchema: compactSchema(tool.outputSchema, "output"),
    }));
    expect(byName(await listTools(ours))).toEqual(byName(compacted as typeof compacted));
  });
});

/**
 * What a model reads of the catalogue before its first call must stay small: the tools that list
 * and change the DLQ within their own budget, and every tool, the redrive ones included, within
 * the whole one.
 */
const CATALOGUE_BUDGET = { dlqTools: 12_000, callerFacing: 18_000, response: 40_000 };
const DLQ_ACTION_TOOLS = [
  "dlq_list",
  "dlq_resume",
  "dlq_resume_all",
  "dlq_restart",
  "dlq_delete",
  "dlq_retry_failure_callback",
];

describe("the tool catalogue's size", () => {
  it(`keeps the DLQ list and action tools' name, title, description and input schema within ${CATALOGUE_BUDGET.dlqTools} characters, every tool's within ${CATALOGUE_BUDGET.callerFacing}, and tools/list within ${CATALOGUE_BUDGET.response}`, async () => {
    const ours = createServer({
      client: new QStashClient({ baseUrl: "http://127.0.0.1:9", token: undefined }),
      log: stderrLogger("test", true),
    });
    const tools = await listTools(ours);
    expect(tools).toHaveLength(TOOLS.length);
    const chars = ({ name, title, description, inputSchema }: (typeof tools)[number]) =>
      JSON.stringify({ name, title, description, inputSchema }).length;
    const sum = (list: typeof tools) => list.map(chars).reduce((total, count) => total + count, 0);
    const dlqTools = tools.filter((tool) => DLQ_ACTION_TOOLS.includes(tool.name));
    expect(dlqTools).toHaveLength(DLQ_ACTION_TOOLS.length);
    expect(
      sum(dlqTools),
      "name, title, description and input schema of the DLQ list and action tools",
    ).toBeLessThanOrEqual(CATALOGUE_BUDGET.dlqTools);
    expect(sum(tools), "name, title, description and input schema of every tool").toBeLessThanOrEqual(
      CATALOGUE_BUDGET.callerFacing,
    );
    const response = JSON.stringify({ tools }).length;
    expect(response, "the whole tools/list result").toBeLessThanOrEqual(CATALOGUE_BUDGET.response);
  });
});
