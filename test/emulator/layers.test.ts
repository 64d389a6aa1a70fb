import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const EMULATOR_DIR = new URL("../../src/emulator/", import.meta.url);

/**
 * The emulator stands in for QStash, so it shares only the wire format with the client: were it
 * to import the client's code, a bug on one side could be mirrored on the other and go unseen.
 */
describe("the emulator's imports", () => {
  it("reach only its own modules, src/wire and Node's built-ins", () => {
    const files = readdirSync(EMULATOR_DIR).filter((name) => name.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const source = readFileSync(new URL(file, EMULATOR_DIR), "utf8");
      const specifiers = [...source.matchAll(/\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map(
        (match) => match[1] ?? match[2],
      );
      for (const specifier of specifiers) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^(node:|\.\/[^/]+\.js$|\.\.\/wire\/)/);
      }
    }
  });
});
