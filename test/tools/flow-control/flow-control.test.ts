/**
 * Watching and steering a redrive: a resume under a dedicated key puts its runs in that key's
 * waitlist, which the emulator delivers at the key's pace; flow_control_status shows it drain,
 * flow_control_update pauses it (the stop button), lets it go again and changes its pace.
 */
import { describe, expect, it } from "vitest";
import { FIXED_NOW } from "../../support/data.js";
import { textOf, useFixture } from "../../support/harness.js";
import { until } from "../../support/wait.js";

interface FlowKey {
  key: string;
  waitlistSize: number;
  paused?: boolean;
  rate?: { max?: number; periodSeconds?: number };
  pinned?: { parallelism: boolean; rate: boolean };
}

describe("a paced redrive", () => {
  // One emulated second lasts 50 ms; a run takes 200 emulated ms.
  const fixture = useFixture({ entries: 60, seed: 4, now: FIXED_NOW, delivery: { speedUp: 20, runMs: 200 } });
  const status = async (key?: string) => {
    const result = await fixture.call("flow_control_status", key ? { key } : {});
    expect(result.isError).toBeFalsy();
    return (result.structuredContent as { keys: FlowKey[] }).keys;
  };

  it("can be watched draining, paused with runs still waiting, and let go again", async () => {
    // Five runs every ten emulated seconds (half a second here): slow enough that a loaded machine
    // still finds most of them waiting when it looks.
    const resumed = await fixture.call("dlq_resume_all", {
      flowControl: { key: "redrive-1", rate: 5, period: "10s" },
    });
    expect(resumed.structuredContent).toMatchObject({ resumed: 60 });
    const [first] = await status("redrive-1");
    expect(first).toMatchObject({ key: "redrive-1", rate: { max: 5, periodSeconds: 10 } });
    expect(first?.waitlistSize).toBeGreaterThan(40);

    const paused = await fixture.call("flow_control_update", { key: "redrive-1", action: "pause" });
    expect(textOf(paused)).toMatch(/^Paused redrive-1\. Now: key "redrive-1": \d+ runs waiting, paused/);
    const [held] = await status("redrive-1");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [stillHeld] = await status("redrive-1");
    expect(stillHeld?.paused).toBe(true);
    expect(stillHeld?.waitlistSize).toBe(held?.waitlistSize);

    const pinned = await fixture.call("flow_control_update", {
      key: "redrive-1",
      action: "pin",
      rate: 60,
      period: "1s",
    });
    expect(pinned.structuredContent).toMatchObject({
      applied: true,
      status: { pinned: { rate: true }, rate: { max: 60 } },
    });
    await fixture.call("flow_control_update", { key: "redrive-1", action: "resume" });
    await until(async () => ((await status("redrive-1"))[0]?.waitlistSize ?? 1) === 0);
    const all = await status();
    expect(all.map((key) => key.key)).toEqual(["redrive-1"]);
  });

  it.each([
    [{ key: "redrive-1", action: "pin" }, /pin needs parallelism, rate or period/],
    [{ key: "redrive-1", action: "pause", rate: 5 }, /go with action pin only/],
    [{ key: "bad key", action: "pause" }, /key may contain only letters/],
    [{ key: "redrive-1", action: "stop" }, /action must be one of pause, resume, pin, unpin, resetRate/],
  ])("refuses %j with a message naming the fix, sending nothing", async (args, message) => {
    const result = await fixture.call("flow_control_update", args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests).toEqual([]);
  });

  it("says when a key does not exist", async () => {
    const result = await fixture.call("flow_control_status", { key: "never-used" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/knows no flow-control key "never-used"/);
    // QStash answers the pause itself with 200 (only the GET documents a 404): the read-back tells.
    const update = await fixture.call("flow_control_update", { key: "never-used", action: "pause" });
    expect(update.isError).toBe(true);
    expect(textOf(update)).toMatch(/^QStash knows no flow-control key "never-used": nothing was paused/);
    expect(update.structuredContent).toMatchObject({ key: "never-used", applied: false });
    expect(fixture.emulator.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v2/flowControl/never-used",
      "POST /v2/flowControl/never-used/pause",
      "GET /v2/flowControl/never-used",
    ]);
  });
});

describe("a QStash that answers 404 for an unknown key's action", () => {
  const fixture = useFixture({ entries: 10, seed: 4, now: FIXED_NOW, quirks: { unknownFlowKeyOk: false } });

  it("says so the same way", async () => {
    const update = await fixture.call("flow_control_update", { key: "never-used", action: "pause" });
    expect(update.isError).toBe(true);
    expect(textOf(update)).toMatch(/knows no flow-control key "never-used": nothing changed/);
  });
});

describe("a redrive's key and label", () => {
  const fixture = useFixture({ entries: 80, seed: 4, now: FIXED_NOW });

  it("says how to watch and stop a paced redrive, and tags its runs with the label", async () => {
    const ids = fixture.emulator.store
      .list()
      .slice(0, 5)
      .map((m) => m.dlqId);
    const result = await fixture.call("dlq_resume", {
      dlqIds: ids,
      flowControl: { key: "incident-4711-redrive", rate: 10 },
      label: "incident-4711",
    });
    expect(result.structuredContent).toMatchObject({ resumed: 5, flowControlKey: "incident-4711-redrive" });
    expect(textOf(result)).toMatch(
      /watch with flow_control_status \{"key": "incident-4711-redrive"\}, stop with flow_control_update \{"key": "incident-4711-redrive", "action": "pause"\}/,
    );
    const resumes = fixture.emulator.requests.filter((r) => r.path === "/v2/workflows/dlq/resume");
    expect(resumes.every((r) => r.headers["upstash-label"] === "incident-4711")).toBe(true);
    expect(fixture.emulator.resumed.every((record) => record.label === "incident-4711")).toBe(true);
    // The hint's tools answer for that key, even where runs are delivered at once.
    const status = await fixture.call("flow_control_status", { key: "incident-4711-redrive" });
    expect(status.structuredContent).toMatchObject({
      keys: [{ key: "incident-4711-redrive", waitlistSize: 0 }],
    });
    const paused = await fixture.call("flow_control_update", {
      key: "incident-4711-redrive",
      action: "pause",
    });
    expect(paused.isError).toBeFalsy();
  });

  it("warns, in the preview and in the result, when the key is one live traffic uses", async () => {
    const live = fixture.emulator.store.list().find((m) => m.flowControlKey)?.flowControlKey as string;
    expect(live).toBeTruthy();
    const label = fixture.emulator.store.list().find((m) => m.label)?.label as string;
    const args = { filter: { label }, flowControl: { key: live, rate: 5 } };
    const preview = await fixture.call("dlq_resume", { ...args, dryRun: true });
    expect(textOf(preview)).toMatch(
      new RegExp(`^Warning: Entries in the DLQ ran under flow-control key ${live}`),
    );
    expect((preview.structuredContent as { warnings?: string[] }).warnings).toHaveLength(1);
    const result = await fixture.call("dlq_resume", args);
    expect((result.structuredContent as { warnings?: string[] }).warnings?.[0]).toMatch(
      /sets that key's pace for production/,
    );
    const dedicated = await fixture.call("dlq_resume", {
      filter: { label },
      flowControl: { key: "own-redrive-1", rate: 5 },
      dryRun: true,
    });
    expect((dedicated.structuredContent as { warnings?: string[] }).warnings).toBeUndefined();
  });
});

describe("a redrive whose runs fail again while it is still going", () => {
  // Runs are delivered within a few ms and all fail again, re-entering the DLQ as new entries.
  const fixture = useFixture({
    entries: 120,
    seed: 6,
    now: FIXED_NOW,
    refail: { share: 1, seed: 1 },
    delivery: { speedUp: 100, runMs: 100 },
  });

  it("never acts on an entry that re-entered the DLQ after it began, across cursor calls, and reports every run", async () => {
    const original = new Set(fixture.emulator.store.list().map((m) => m.dlqId));
    const reported: string[] = [];
    let cursor: string | undefined;
    for (let calls = 0; calls === 0 || cursor; calls++) {
      expect(calls).toBeLessThan(50);
      const result = await fixture.call("dlq_resume_all", {
        count: 20,
        maxPages: 1,
        ...(cursor ? { cursor } : {}),
      });
      const data = result.structuredContent as { workflowRuns: { workflowRunId: string }[]; cursor?: string };
      reported.push(...data.workflowRuns.map((run) => run.workflowRunId));
      cursor = data.cursor;
      // Let the runs of this page fail again and come back before the next page is asked for.
      await until(() => fixture.emulator.resumed.every((record) => record.refailedAs !== undefined));
    }
    expect(new Set(fixture.emulator.resumed.map((record) => record.dlqId))).toEqual(original);
    expect(new Set(reported)).toEqual(
      new Set(fixture.emulator.resumed.map((record) => record.workflowRunId)),
    );
    // Every run failed again: the DLQ now holds exactly the re-entries, none of them acted on.
    const after = fixture.emulator.store.list();
    expect(after).toHaveLength(120);
    expect(after.some((m) => original.has(m.dlqId))).toBe(false);
  });
});

describe("keys as QStash reports them", () => {
  // Runs are delivered within a few ms: a redrive's key is soon idle, its counts all zero.
  const fixture = useFixture({ entries: 20, seed: 4, now: FIXED_NOW, delivery: { speedUp: 100, runMs: 50 } });

  it("reads a drained key, whose zero counts QStash leaves out, and lists keys when one is idle", async () => {
    const ids = fixture.emulator.store
      .list()
      .slice(0, 5)
      .map((m) => m.dlqId);
    await fixture.call("dlq_resume", { dlqIds: ids, flowControl: { key: "drained-redrive", rate: 50 } });
    await until(() => fixture.emulator.resumed.every((record) => record.state !== "RUN_STARTED"));
    const one = await fixture.call("flow_control_status", { key: "drained-redrive" });
    expect(one.isError).toBeFalsy();
    expect(one.structuredContent).toMatchObject({
      keys: [{ key: "drained-redrive", waitlistSize: 0, paused: false, rate: { max: 50 } }],
    });
    expect(textOf(one).split("\n")[0]).toMatch(
      /^key "drained-redrive": 0 runs waiting, rate 50\/1s \(\d+ this period\), no parallelism limit\.$/,
    );
    fixture.emulator.store.flowControl.observe("other-redrive", "parallelism=3");
    const all = await fixture.call("flow_control_status", {});
    expect(all.isError).toBeFalsy();
    expect(all.structuredContent).toMatchObject({ count: 2 });
  });
});

describe("a key with no limit", () => {
  // The tidy answer: every field present, an unset limit sent as 0 (as the official clients type it).
  const fixture = useFixture({ entries: 5, seed: 4, now: FIXED_NOW, quirks: { omitEmpty: false } });

  it("says no limit, never a limit of 0", async () => {
    fixture.emulator.store.flowControl.observe("unlimited", undefined);
    expect(fixture.emulator.store.flowControl.info("unlimited")).toMatchObject({
      rateMax: 0,
      parallelismMax: 0,
    });
    const result = await fixture.call("flow_control_status", { key: "unlimited" });
    expect(result.isError).toBeFalsy();
    expect(textOf(result).split("\n")[0]).toBe('key "unlimited": 0 runs waiting, no limit.');
    expect(result.structuredContent).toMatchObject({
      keys: [{ key: "unlimited", rate: { max: null }, parallelism: { max: null, running: 0 } }],
    });
  });
});
