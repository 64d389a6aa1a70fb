import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { stderrLogger } from "../../src/log.js";
import { QStashClient } from "../../src/qstash/client.js";
import { createServer } from "../../src/server.js";
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
  it("is exactly what the SDK itself would publish for the same definitions", async () => {
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
    expect(byName(await listTools(ours))).toEqual(byName(await listTools(reference)));
  });
});
