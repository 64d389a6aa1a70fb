import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TOOLS, toolsFor } from "../../src/tools/index.js";
import { renderToolReference, renderToolsTable, TOOL_REFERENCE_PAGE } from "../../src/tools/reference.js";
import { toolNamesIn } from "../support/data.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

const README = "README.md";
const DOCS = readdirSync(join(ROOT, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`)
  .sort();
const PAGES = [README, ...DOCS];
const readme = read(README);

/** The text between `<!-- name:start -->` and `<!-- name:end -->`, trimmed. */
function between(text: string, name: string): string {
  const start = text.indexOf(`<!-- ${name}:start -->`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  expect(start, `<!-- ${name}:start -->`).toBeGreaterThanOrEqual(0);
  expect(end, `<!-- ${name}:end -->`).toBeGreaterThan(start);
  return text.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

/** Markdown without fenced code blocks and code spans, where `[x](y)` and `# x` are not links or headings. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** A heading's anchor as GitHub makes it: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replaceAll(" ", "-");
}

/** Every anchor a page's headings make, a repeated one suffixed `-1`, `-2` … as GitHub does. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const fenceless = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const [, heading] of fenceless.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(heading ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative links of a page: `[text](target)`, outside code, not to another site. */
function relativeLinks(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((match) => match[1] ?? "")
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe("README", () => {
  it("fits on a screen or two: at most 20,000 bytes", () => {
    expect(Buffer.byteLength(readme, "utf8")).toBeLessThanOrEqual(20_000);
  });

  it("carries the tools table generated from the one tool list (npm run docs)", () => {
    expect(between(readme, "tools-table")).toBe(renderToolsTable().trim());
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

  it("links every page under docs/", () => {
    const linked = new Set(relativeLinks(readme).map((target) => target.split("#")[0]));
    expect(DOCS.filter((page) => !linked.has(page))).toEqual([]);
  });
});

describe(TOOL_REFERENCE_PAGE, () => {
  it("carries the tool reference generated from the current schemas (npm run docs)", () => {
    expect(between(read(TOOL_REFERENCE_PAGE), "tool-reference")).toBe(renderToolReference().trim());
  });
});

describe("links in the README and docs/", () => {
  it.each(PAGES)("every relative link in %s resolves, and every anchor names a heading", (page) => {
    const dead = relativeLinks(read(page)).filter((target) => {
      const [path = "", anchor] = target.split("#");
      const file = path === "" ? join(ROOT, page) : join(dirname(join(ROOT, page)), decodeURIComponent(path));
      if (relative(ROOT, file).startsWith("..")) return true;
      if (!existsSync(file)) return true;
      if (anchor === undefined) return false;
      if (!file.endsWith(".md") || statSync(file).isDirectory()) return true;
      return !anchorsOf(readFileSync(file, "utf8")).has(decodeURIComponent(anchor));
    });
    expect(dead).toEqual([]);
  });

  it("finds the links and anchors it checks", () => {
    // The checks above would pass on a page whose links it failed to see.
    expect(relativeLinks(readme)).toContain("docs/tools.md#what-the-dlq-holds-is-data");
    expect(anchorsOf(read(TOOL_REFERENCE_PAGE))).toContain("dlq_list--list-dlq-runs");
    expect(anchorsOf("# A\n\n```sh\n# not a heading\n```\n\n## A\n")).toEqual(new Set(["a", "a-1"]));
  });
});

describe("on read-only mode, the README and docs/ agree with the tool list", () => {
  const readOnlyNames = toolsFor({ readOnly: true })
    .map((tool) => tool.name)
    .sort();
  // The prose and tables people read, not the reference generated from the definitions.
  const prose = PAGES.map((page) => {
    const text = read(page);
    const generated = text.indexOf("<!-- tool-reference:start -->");
    return generated < 0 ? text : text.slice(0, generated);
  }).join("\n\n");

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

  it("says in the README's tools table which tools change nothing, for every tool", () => {
    const rows = [...between(readme, "tools-table").matchAll(/^\| `([a-z_]+)` \| (yes|no)\b/gm)].map(
      ([, name, changes]) => ({ name, changes }),
    );
    expect(rows.map((row) => row.name)).toEqual(TOOLS.map((tool) => tool.name));
    expect(
      rows
        .filter((row) => row.changes === "no")
        .map((row) => row.name)
        .sort(),
    ).toEqual(readOnlyNames);
  });
});
