import { afterEach, describe, expect, it } from "vitest";
import type { ActionPlan } from "../../src/engine/actions/plan.js";
import { runAction } from "../../src/engine/actions/run.js";
import { decodeCursor, encodeCursor, fingerprint } from "../../src/engine/cursor.js";
import { type Engine, engineFor, json, scriptedServer } from "../support/engine.js";

const TOKEN = "engine_token_3d9a";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scriptedEngine(script: Parameters<typeof scriptedServer>[0]): Promise<Engine> {
  const server = await scriptedServer(script);
  const engine = engineFor(server.url, TOKEN);
  cleanups.push(
    () => server.close(),
    () => engine.close(),
  );
  return engine;
}

const idsPlan = (dlqIds: string[]): ActionPlan => ({
  action: "resume",
  selection: { mode: "ids", dlqIds },
  options: {},
  count: 50,
  maxPages: 10,
  concurrency: 4,
});

describe("resuming an id list", () => {
  it("follows a cursor QStash returns for an id batch, listing every run", async () => {
    const engine = await scriptedEngine(({ query }, res) => {
      const ids = query.getAll("dlqIds");
      const cursor = query.get("cursor");
      // The server pages the batch: half now, the rest on the cursor it hands back.
      const half = Math.ceil(ids.length / 2);
      const part = cursor === "second-half" ? ids.slice(half) : ids.slice(0, half);
      json(res, 200, {
        workflowRuns: part.map((id) => ({ workflowRunId: `wfr_${id}`, workflowCreatedAt: 1 })),
        ...(cursor === "second-half" ? {} : { cursor: "second-half" }),
      });
    });
    const ids = Array.from({ length: 20 }, (_, index) => `dlq_${index}`);
    const report = await runAction(idsPlan(ids), engine.scope());
    expect(report.stopReason).toBe("done");
    expect(report.workflowRuns.map((run) => run.workflowRunId).sort()).toEqual(
      ids.map((id) => `wfr_${id}`).sort(),
    );
  });
});

describe("id-list cursors", () => {
  it("tell apart lists whose ids would join into the same text", () => {
    // Joined with a NUL, ["a\0b"] and ["a", "b"] read alike; the fingerprint keeps them apart.
    const one = fingerprint(["dlq_resume", "ids", ["a\u0000b"]]);
    const two = fingerprint(["dlq_resume", "ids", ["a", "b"]]);
    expect(one).not.toBe(two);
    const cursor = encodeCursor({
      tool: "dlq_resume",
      selection: one,
      ids: { offset: 0, done: [], uncertain: [] },
    });
    const refused = decodeCursor(cursor, {
      tool: "dlq_resume",
      selection: two,
      describe: "dlqIds list",
      idCount: 2,
    });
    expect(refused).toMatch(/different dlqIds list/);
  });
});
