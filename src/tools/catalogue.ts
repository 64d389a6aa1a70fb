/**
 * tools/list, answered from a cache. Converting every tool's zod schemas to JSON Schema takes
 * tens of milliseconds for these tools, and HTTP builds a server per request; the catalogue never
 * changes while the process runs, so each tool is described once.
 */
import type { McpServer, Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ToolDefinition } from "./tool.js";

const described = new Map<string, Tool>();

/** The dialect the SDK advertises, converted by zod itself, as the SDK does. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Tool["inputSchema"] {
  return {
    type: "object",
    ...z.toJSONSchema(schema, { io, target: "draft-2020-12" }),
  } as Tool["inputSchema"];
}

export function describeTool(definition: ToolDefinition): Tool {
  let tool = described.get(definition.name);
  if (!tool) {
    tool = {
      name: definition.name,
      title: definition.title,
      description: definition.description,
      inputSchema: jsonSchema(definition.inputSchema, "input"),
      outputSchema: jsonSchema(definition.outputSchema, "output") as Tool["outputSchema"],
      annotations: definition.annotations,
    };
    described.set(definition.name, tool);
  }
  return tool;
}

/** Replaces the SDK's tools/list handler with one that describes the registered tools once. */
export function serveCatalogueFromCache(server: McpServer, definitions: readonly ToolDefinition[]): void {
  server.server.setRequestHandler("tools/list", () => ({ tools: definitions.map(describeTool) }));
}
