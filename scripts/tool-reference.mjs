// @ts-check
// Regenerates the tool documentation from the built tool definitions (`npm run docs`): the tools
// table in README.md and the tool reference in docs/tools.md, each between its markers.
import { readFileSync, writeFileSync } from "node:fs";

// Loaded from the build by URL so that type-checking the scripts does not pull in compiled output.
/** @type {{ renderToolReference: () => string, renderToolsTable: () => string, TOOL_REFERENCE_PAGE: string }} */
const { renderToolReference, renderToolsTable, TOOL_REFERENCE_PAGE } = await import(
  new URL("../dist/reference.js", import.meta.url).href
);

/**
 * Writes `content` between `<!-- name:start -->` and `<!-- name:end -->` in `path`.
 * @param {string} path relative to the repository
 * @param {string} name
 * @param {string} content
 */
function fill(path, name, content) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const url = new URL(`../${path}`, import.meta.url);
  const text = readFileSync(url, "utf8");
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    process.stderr.write(`${path} needs ${start} and ${end} markers.\n`);
    process.exit(1);
  }
  const updated = `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
  writeFileSync(url, updated);
  process.stdout.write(`${path}: ${name} ${updated === text ? "is up to date" : "updated"}.\n`);
}

fill("README.md", "tools-table", renderToolsTable());
fill(TOOL_REFERENCE_PAGE, "tool-reference", renderToolReference());
