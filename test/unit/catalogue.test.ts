import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { stderrLogger } from "../../src/log.js";
import { QStashClient } from "../../src/qstash/client.js";
import { createServer } from "../../src/server.js";
import { compactSchema } from "../../src/tools/catalogue.js";
import { TOOLS } from "../../src/tools/index.js";

async function listTools(server: McpServer) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "catalogue-test", version: "0" });
  await server.connect(serverSide);
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

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

/** What a model reads of the catalogue before its first call must stay small. */
const CATALOGUE_BUDGET = { callerFacing: 12_000, response: 30_000 };

describe("the tool catalogue's size", () => {
  it(`keeps every tool's name, title, description and input schema within ${CATALOGUE_BUDGET.callerFacing} characters, and tools/list within ${CATALOGUE_BUDGET.response}`, async () => {
    const ours = createServer({
      client: new QStashClient({ baseUrl: "http://127.0.0.1:9", token: undefined }),
      log: stderrLogger("test", true),
    });
    const tools = await listTools(ours);
    expect(tools).toHaveLength(TOOLS.length);
    const callerFacing = tools
      .map(
        ({ name, title, description, inputSchema }) =>
          JSON.stringify({ name, title, description, inputSchema }).length,
      )
      .reduce((sum, chars) => sum + chars, 0);
    const response = JSON.stringify({ tools }).length;
    expect(callerFacing, "name, title, description and input schema of every tool").toBeLessThanOrEqual(
      CATALOGUE_BUDGET.callerFacing,
    );
    expect(response, "the whole tools/list result").toBeLessThanOrEqual(CATALOGUE_BUDGET.response);
  });
});
