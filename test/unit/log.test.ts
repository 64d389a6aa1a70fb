import { afterEach, describe, expect, it, vi } from "vitest";
import { stderrLogger } from "../../src/log.js";
import { REDACTED, Redactor } from "../../src/redact.js";

const TOKEN = "eyJVc2VySUQiOiJsb2c/dGVzdCJ9+x=";

function captured(): { lines: () => string } {
  let text = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return { lines: () => text };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("stderrLogger", () => {
  it("scrubs every form of the token from a line", () => {
    const stderr = captured();
    const log = stderrLogger("test", false, new Redactor(TOKEN));
    log.log("warning", `retrying with ${TOKEN}`);
    log.log("error", `sent ${encodeURIComponent(TOKEN)} and ${Buffer.from(TOKEN).toString("base64")}`);
    expect(stderr.lines()).toBe(
      `[test] warning: retrying with ${REDACTED}\n[test] error: sent ${REDACTED} and ${REDACTED}\n`,
    );
  });

  it("takes the redactor after it was made, for every line from then on", () => {
    const stderr = captured();
    const log = stderrLogger("test");
    log.withRedactor?.(new Redactor(TOKEN));
    log.log("info", `a line with ${JSON.stringify(TOKEN).slice(1, -1).replaceAll("/", "\\/")}`);
    expect(stderr.lines()).toBe(`[test] info: a line with ${REDACTED}\n`);
  });

  it("stays quiet below errors when asked", () => {
    const stderr = captured();
    const log = stderrLogger("test", true, new Redactor(TOKEN));
    log.log("warning", TOKEN);
    log.log("error", TOKEN);
    expect(stderr.lines()).toBe(`[test] error: ${REDACTED}\n`);
  });
});
