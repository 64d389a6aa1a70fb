/**
 * `npm run bench` is a report, not a test, so nothing else would notice when a change to the
 * server or the emulator breaks it. Its smoke mode (tiny sizes, one round) runs here: every figure
 * must still be produced. No timing is asserted; RESULTS.md must be left alone.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runToExit } from "../support/stdio-child.js";

const BENCH = fileURLToPath(new URL("../../bench/run.mjs", import.meta.url));
const RESULTS = new URL("../../bench/RESULTS.md", import.meta.url);

/** Every row the benchmark prints, by the start of its name. */
const FIGURES = [
  "a. resume ",
  "b. resume ",
  "c. spawn → initialize",
  "c. spawn → server/discover",
  "d. ",
  "e. peak RSS",
  "f. calls to drain",
  "f. characters of tool output",
  "g. calls to drain",
];

it("npm run bench -- --smoke produces every figure and leaves RESULTS.md alone", async () => {
  const before = readFileSync(RESULTS, "utf8");
  const { code, stdout, stderr } = await runToExit([BENCH, "--smoke"]);
  expect(code, stderr).toBe(0);

  const rows = stdout
    .split("\n")
    .filter((line) => /^\| [a-g]\. /.test(line))
    .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| /, "").trim()));
  expect(rows.map(([name]) => FIGURES.find((figure) => name?.startsWith(figure)))).toEqual(FIGURES);
  for (const [name, ours, reference, ratio] of rows) {
    expect(ours, name).toMatch(/\d/);
    expect(reference, name).toMatch(/\d/);
    expect(ratio, name).toMatch(/^\d+\.\d\d$/);
  }
  expect(stdout).toContain("`npm run bench` --smoke");
  expect(readFileSync(RESULTS, "utf8")).toBe(before);
}, 180_000);
