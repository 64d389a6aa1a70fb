import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderToolReference } from "../../src/tools/reference.js";

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
});
