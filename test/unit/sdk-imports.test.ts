import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/**
 * The server is built on the MCP SDK v2; the v1 package is in the project only as the tests'
 * 2025-era client. A server module importing it, even for a type, would bundle or mix the two.
 */
describe("the server's MCP imports", () => {
  it("come from the v2 server package only", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(20);
    const offending = files.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/from\s+"(@modelcontextprotocol\/[^"]+)"/g)]
        .map((match) => match[1] as string)
        .filter((specifier) => !/^@modelcontextprotocol\/server(\/stdio)?$/.test(specifier))
        .map((specifier) => `${file.slice(SRC.length)}: ${specifier}`),
    );
    expect(offending).toEqual([]);
  });
});
