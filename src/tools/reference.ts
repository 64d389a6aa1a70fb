/**
 * Renders the tool documentation from the tool definitions themselves, so it cannot drift from
 * what clients are shown: the README's tools table, and the tool reference in docs/tools.md
 * through zod 4's native JSON Schema.
 */
import { z } from "zod";
import { TOOLS } from "./index.js";

interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

/** The page the reference is written to, as the README's table links to it. */
export const TOOL_REFERENCE_PAGE = "docs/tools.md";

/** One row per tool: its name, whether it changes something (and the hints that say so), its job. */
export function renderToolsTable(): string {
  const rows = TOOLS.map((tool) => {
    const readOnly = tool.annotations.readOnlyHint === true;
    const hints = readOnly
      ? ["readOnlyHint"]
      : (["destructiveHint", "idempotentHint"] as const).filter((hint) => tool.annotations[hint] === true);
    const changes = `${readOnly ? "no" : "yes"}${hints.length > 0 ? ` (${hints.map((hint) => `\`${hint}\``).join(", ")})` : ""}`;
    const heading = referenceHeading(tool.name, tool.title);
    return `| \`${tool.name}\` | ${changes} | [${escapeCell(tool.title)}](${TOOL_REFERENCE_PAGE}#${slug(heading)}) |`;
  });
  return ["| tool | changes something | what it does |", "| --- | --- | --- |", ...rows].join("\n");
}

function referenceHeading(name: string, title: string): string {
  return `\`${name}\` — ${title}`;
}

/** A heading's anchor as GitHub makes it: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replaceAll(" ", "-");
}

export function renderToolReference(): string {
  const sections = TOOLS.map((tool) => {
    const input = z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const output = z.toJSONSchema(tool.outputSchema, { io: "output" }) as JsonSchema;
    const hints = Object.entries(tool.annotations)
      .filter(([key]) => key.endsWith("Hint"))
      .map(([key, value]) => `\`${key}: ${String(value)}\``)
      .join(", ");
    return [
      `### ${referenceHeading(tool.name, tool.title)}`,
      "",
      `Annotations: ${hints}.`,
      "",
      "<details><summary>Description shown to the model</summary>",
      "",
      tool.description,
      "",
      "</details>",
      "",
      "| argument | type | description |",
      "| --- | --- | --- |",
      ...rows(input, ""),
      "",
      `Result (\`structuredContent\`): ${Object.keys(output.properties ?? {})
        .map((key) => `\`${key}\``)
        .join(", ")}.`,
    ].join("\n");
  });
  return sections.join("\n\n");
}

function rows(schema: JsonSchema, prefix: string): string[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const path = `${prefix}${name}`;
    const line = `| \`${path}\`${required.has(name) ? " (required)" : ""} | ${typeOf(property)} | ${escapeCell(property.description ?? "")} |`;
    const nested = property.properties ? rows(property, `${path}.`) : [];
    return [line, ...nested];
  });
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(" \\| ");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" or ");
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  if (type === "array") {
    const bounds = schema.maxItems === undefined ? "" : ` (${schema.minItems ?? 0}–${schema.maxItems})`;
    const item = schema.items ? typeOf(schema.items) : "any";
    // "(number or string)[]", not "number or string[]".
    return `${item.includes(" or ") ? `(${item})` : item}[]${bounds}`;
  }
  if (
    (type === "integer" || type === "number") &&
    schema.minimum !== undefined &&
    schema.maximum !== undefined
  ) {
    return schema.maximum > 1e12
      ? `${type} ≥ ${schema.minimum}`
      : `${type} ${schema.minimum}–${schema.maximum}`;
  }
  if (type === "string" && schema.pattern) return `string \`${schema.pattern}\``;
  return type;
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
