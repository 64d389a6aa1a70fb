/**
 * tools/list, answered from a cache. Converting every tool's zod schemas to JSON Schema takes
 * tens of milliseconds for these tools, and HTTP builds a server per request; the catalogue never
 * changes while the process runs, so each tool is described once.
 */
import type { McpServer, Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ToolDefinition } from "./tool.js";

const described = new Map<string, Tool>();

/** The dialect the SDK advertises, converted by zod itself as the SDK does, then compacted. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Tool["inputSchema"] {
  const converted = { type: "object", ...z.toJSONSchema(schema, { io, target: "draft-2020-12" }) };
  return compactSchema(converted, io) as Tool["inputSchema"];
}

/** Keys that tell a model nothing it needs, in every schema. */
const NOISE = new Set(["$schema"]);
/**
 * Bounds the server checks and explains itself when they are broken (an id's length, a list's
 * size): published, they only lengthen every tools/list.
 */
const CHECKED_BY_THE_SERVER = new Set(["minLength", "maxLength", "minItems", "maxItems"]);

/**
 * tools/list is read by a model with a limited context, so the published schemas keep what a
 * caller needs: structure, types, enums, numeric ranges a caller chooses within, and argument
 * descriptions. Left out: zod's ±2^53 bounds on every integer, the dialect (2020-12, MCP's
 * default), length bounds and closed-object markers the server enforces with a message naming
 * the limit or the arguments it takes, and descriptions in output schemas (the result's text
 * says what it holds).
 */
export function compactSchema(node: unknown, io: "input" | "output", depth = 0): unknown {
  if (Array.isArray(node)) return node.map((item) => compactSchema(item, io, depth));
  if (!node || typeof node !== "object") return node;
  // A result's deeper objects (a sample message, a summary's groups) are published as objects:
  // their fields are the result text's to explain, and tools/list stays small.
  if (io === "output" && depth >= OUTPUT_DEPTH && (node as { type?: unknown }).type === "object") {
    return { type: "object" };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (NOISE.has(key) || isUnboundedInteger(key, value)) continue;
    if (CHECKED_BY_THE_SERVER.has(key) && typeof value === "number") continue;
    // Closed objects: the server refuses an unknown argument itself, naming the ones it takes.
    if (key === "additionalProperties" && value === false) continue;
    if (io === "output" && key === "description") continue;
    out[key] =
      key === "properties"
        ? compactMembers(value, io, depth + 1)
        : key === "$defs"
          ? compactMembers(value, io, depth)
          : compactSchema(value, io, depth);
  }
  return simpleTypes(out);
}

/** Objects nested deeper than this in an output schema lose their fields. */
const OUTPUT_DEPTH = 2;

/**
 * `anyOf` of plain types written as one `type` list: "a string or a list of strings" is
 * `{"type": ["string", "array"], "items": …}`, the same values in a third of the characters.
 */
function simpleTypes(node: Record<string, unknown>): Record<string, unknown> {
  const members = node.anyOf;
  if (!Array.isArray(members) || members.length < 2) return node;
  const types: string[] = [];
  let items: unknown;
  for (const member of members as Record<string, unknown>[]) {
    const keys = Object.keys(member);
    const type = member.type;
    if (typeof type !== "string" || types.includes(type)) return node;
    if (keys.some((key) => key !== "type" && !(key === "items" && type === "array"))) return node;
    if (type === "array") items = member.items;
    types.push(type);
  }
  const { anyOf: _, ...rest } = node;
  return { type: types, ...(items === undefined ? {} : { items }), ...rest };
}

function isUnboundedInteger(key: string, value: unknown): boolean {
  return (
    (key === "minimum" && value === -Number.MAX_SAFE_INTEGER) ||
    (key === "maximum" && value === Number.MAX_SAFE_INTEGER)
  );
}

/** Property maps: their keys are names, never schema keywords, so each value is compacted as is. */
function compactMembers(members: unknown, io: "input" | "output", depth: number): unknown {
  if (!members || typeof members !== "object") return members;
  return Object.fromEntries(
    Object.entries(members).map(([name, schema]) => [name, compactSchema(schema, io, depth)]),
  );
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
