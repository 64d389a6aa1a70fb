/**
 * The same hostile-input properties over real stdio: the built server as a child process, so
 * every argument is serialised as JSON, and the harness checks on close that stdout carried only
 * JSON-RPC and that no secret leaked into results, stderr or the journal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../src/tools/index.js";
import { SEED_OPTIONS, seededMessages } from "../support/data.js";
import { type Fixture, startFixture } from "../support/harness.js";
import { describeStats, runHostileProperty } from "./input-support.js";
import { CALL_BOUND_MS } from "./oracle.js";

/** Generated calls per tool over stdio; the in-memory suite carries the volume. */
const STDIO_RUNS_PER_TOOL = 300;

describe("hostile input, over stdio", () => {
  let fixture: Fixture | undefined;
  const seeded = seededMessages();
  const seeds = { dlqIds: seeded.map((message) => message.dlqId), now: SEED_OPTIONS.now };

  beforeAll(async () => {
    fixture = await startFixture(SEED_OPTIONS);
  });

  // Normally closed by the last test, where a failed secrets or stdout check is reported.
  afterAll(async () => {
    await fixture?.close();
  });

  it.each(TOOLS.map((tool) => tool.name))(
    "%s: every generated call is answered in bounds, and invalid ones are refused without a request",
    async (tool) => {
      const running = fixture as Fixture;
      const started = performance.now();
      const stats = await runHostileProperty({
        tool,
        runs: STDIO_RUNS_PER_TOOL,
        seeds,
        overJson: true,
        callTool: (name, args) => running.call(name, args),
        emulator: running.emulator,
        refill: seeded,
      });
      console.log(
        `${describeStats(tool, stats)}\n  ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
      );
      expect(stats.calls).toBe(STDIO_RUNS_PER_TOOL);
      expect(stats.maxMs).toBeLessThanOrEqual(CALL_BOUND_MS);
      expect(stats.valid).toBeGreaterThan(0);
      expect(stats.invalid).toBeGreaterThan(0);
    },
    60_000,
  );

  it("still answers tools/list, then closes with clean stdout and no leaked secret", async () => {
    const running = fixture as Fixture;
    const tools = await running.client.listTools();
    expect(tools.tools.map((entry) => entry.name).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
    fixture = undefined;
    await running.close();
  });
});
