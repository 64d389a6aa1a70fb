/**
 * Property-based hostile input, in memory: tens of thousands of generated argument objects
 * through a real server and a real emulator, each checked against the tool's own schema.
 * Set INPUT_FC_SEED to replay the seed a failure reported; CI runs a fixed seed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS, type ToolName } from "../../src/tools/index.js";
import { replaySeed, SEED_OPTIONS, seededMessages } from "../support/data.js";
import { describeStats, type InMemoryFixture, runHostileProperty, startInMemory } from "./input-support.js";
import { CALL_BOUND_MS } from "./oracle.js";

/** Generated calls per tool. Most are invalid and never leave the server, which keeps this fast. */
const DLQ_LIST_RUNS = 10_000;
const DLQ_RESUME_RUNS = 10_000;
const DLQ_RESUME_ALL_RUNS = 10_000;

const RUNS: Record<ToolName, number> = {
  dlq_list: DLQ_LIST_RUNS,
  dlq_inspect: 3_000,
  dlq_resume: DLQ_RESUME_RUNS,
  dlq_resume_all: DLQ_RESUME_ALL_RUNS,
  dlq_restart: 5_000,
  dlq_delete: 5_000,
  flow_control_status: 2_000,
  flow_control_update: 3_000,
  workflow_runs: 3_000,
  dlq_retry_failure_callback: 3_000,
};

const seed = replaySeed("INPUT_FC_SEED");

describe("hostile input, in memory", () => {
  let fixture: InMemoryFixture;
  const seeded = seededMessages();
  const seeds = { dlqIds: seeded.map((message) => message.dlqId), now: SEED_OPTIONS.now };

  beforeAll(async () => {
    fixture = await startInMemory();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it.each(TOOLS.map((tool) => tool.name))(
    "%s: every generated call is answered in bounds, and invalid ones are refused without a request",
    async (tool) => {
      const started = performance.now();
      const stats = await runHostileProperty({
        tool,
        runs: RUNS[tool],
        seeds,
        overJson: false,
        callTool: fixture.call,
        emulator: fixture.emulator,
        refill: seeded,
        ...(seed === undefined ? {} : { seed }),
      });
      console.log(
        `${describeStats(tool, stats)}\n  ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
      );
      expect(stats.calls).toBe(RUNS[tool]);
      expect(stats.maxMs).toBeLessThanOrEqual(CALL_BOUND_MS);
      // The mix must keep exercising both sides of the oracle.
      expect(stats.valid).toBeGreaterThan(RUNS[tool] / 10);
      expect(stats.invalid).toBeGreaterThan(RUNS[tool] / 2);

      const tools = await fixture.client.listTools();
      expect(tools.tools.map((entry) => entry.name).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
    },
    90_000,
  );

  it("still answers tools/list and a plain call after the whole run", async () => {
    const tools = await fixture.client.listTools();
    expect(tools.tools).toHaveLength(TOOLS.length);
    // Valid resumes may have drained the DLQ; refill it so the answer below is predictable.
    fixture.emulator.reset();
    const result = await fixture.call("dlq_list", { count: 1 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ returned: 1, pages: 1 });
  });
});
