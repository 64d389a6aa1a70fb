/**
 * Renders the tool reference in the README from the tool definitions themselves, through zod 4's
 * native JSON Schema, so the documentation cannot drift from what clients are shown.
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

export function renderToolReference(): string {
  const sections = TOOLS.map((tool) => {
    const input = z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const output = z.toJSONSchema(tool.outputSchema, { io: "output" }) as JsonSchema;
    const hints = Object.entries(tool.annotations)
      .filter(([key]) => key.endsWith("Hint"))
      .map(([key, value]) => `\`${key}: ${String(value)}\``)
      .join(", ");
    return [
      `### \`${tool.name}\` — ${tool.title}`,
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
