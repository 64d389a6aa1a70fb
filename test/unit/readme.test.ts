import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TOOLS, toolsFor } from "../../src/tools/index.js";
import { renderToolReference } from "../../src/tools/reference.js";
import { toolNamesIn } from "../support/data.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("carries the tool reference generated from the current schemas (npm run docs)", () => {
    const start = readme.indexOf("<!-- tool-reference:start -->");
    const end = readme.indexOf("<!-- tool-reference:end -->");
    expect(start).toBeGreaterThan(0);
    const current = readme.slice(start + "<!-- tool-reference:start -->".length, end).trim();
    expect(current).toBe(renderToolReference().trim());
  });

  it("has a quick start of exactly two commands: the demo and the tests", () => {
    const quickStart = readme.slice(
      readme.indexOf("## Quick start"),
      readme.indexOf("\n## ", readme.indexOf("## Quick start") + 5),
    );
    const commands = [...quickStart.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((match) =>
      (match[1] ?? "").split("\n").filter((line) => line.trim() && !line.trim().startsWith("#")),
    );
    expect(commands).toEqual(["npm ci && npm run demo", "npm test"]);
  });

  describe("on read-only mode, agrees with the tool list", () => {
    const readOnlyNames = toolsFor({ readOnly: true })
      .map((tool) => tool.name)
      .sort();
    // The prose and tables people read, not the reference generated from the definitions.
    const prose = readme.slice(0, readme.indexOf("<!-- tool-reference:start -->"));

    it("names exactly the tools read-only mode keeps wherever it lists them for --read-only", () => {
      // A paragraph or table row about --read-only that lists tools in parentheses.
      const statements = prose
        .split(/\n\s*\n|\n(?=\|)/)
        .filter((block) => block.includes("`--read-only`"))
        .flatMap((block) =>
          [...block.matchAll(/\((`[a-z_]+`(?:, `[a-z_]+`)+)\)/g)].map((match) => match[1] ?? ""),
        );
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) expect(toolNamesIn(statement)).toEqual(readOnlyNames);
    });

    it("says in the tools table which tools change nothing, for every tool", () => {
      const rows = [...prose.matchAll(/^\| `([a-z_]+)` \| (yes|no)\b/gm)].map(([, name, changes]) => ({
        name,
        changes,
      }));
      expect(rows.map((row) => row.name).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
      expect(
        rows
          .filter((row) => row.changes === "no")
          .map((row) => row.name)
          .sort(),
      ).toEqual(readOnlyNames);
    });
  });
});
