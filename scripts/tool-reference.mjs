// @ts-check
// Regenerates the tool reference in README.md from the built tool definitions (`npm run docs`).
import { readFileSync, writeFileSync } from "node:fs";

// Loaded from the build by URL so that type-checking the scripts does not pull in compiled output.
/** @type {{ renderToolReference: () => string }} */
const { renderToolReference } = await import(new URL("../dist/reference.js", import.meta.url).href);

const START = "<!-- tool-reference:start -->";
const END = "<!-- tool-reference:end -->";
const readmeUrl = new URL("../README.md", import.meta.url);
const readme = readFileSync(readmeUrl, "utf8");
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) {
  process.stderr.write(`README.md needs ${START} and ${END} markers.\n`);
  process.exit(1);
}
const updated = `${readme.slice(0, start + START.length)}\n${renderToolReference()}\n${readme.slice(end)}`;
writeFileSync(readmeUrl, updated);
process.stdout.write(
  updated === readme ? "README tool reference is up to date.\n" : "README tool reference updated.\n",
);
