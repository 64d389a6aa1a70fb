/**
 * tools/list, answered from a cache. The SDK converts every tool's zod schemas to JSON Schema on
 * each tools/list (tens of milliseconds for these three), and stateless HTTP builds a server per
 * request; the catalogue never changes while the process runs, so each tool is described once.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import { ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolDefinition } from "./tool.js";

const described = new Map<string, Tool>();

function describe(definition: ToolDefinition): Tool {
  let tool = described.get(definition.name);
  if (!tool) {
    // The same conversion and options the SDK applies, so clients see identical schemas.
    tool = {
      name: definition.name,
      title: definition.title,
      description: definition.description,
      inputSchema: toJsonSchemaCompat(definition.inputSchema as never, {
        strictUnions: true,
        pipeStrategy: "input",
      }) as Tool["inputSchema"],
      outputSchema: toJsonSchemaCompat(definition.outputSchema as never, {
        strictUnions: true,
        pipeStrategy: "output",
      }) as Tool["outputSchema"],
      annotations: definition.annotations,
      execution: { taskSupport: "forbidden" },
    };
    described.set(definition.name, tool);
  }
  return tool;
}

/** Replaces the SDK's tools/list handler with one that describes the registered tools once. */
export function serveCatalogueFromCache(server: McpServer, definitions: readonly ToolDefinition[]): void {
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: definitions.map(describe) }));
}
