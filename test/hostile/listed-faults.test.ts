/**
 * Nothing changed goes unreported, for selections that are listed first: a delete by filter or
 * all (its answers only count), and a resume with `where`. Every fault of the matrix hits the
 * listing or the id requests, once or on every attempt, and the operation is driven to its end
 * by cursor the way an agent would. The emulator is the judge: every entry that left the DLQ is
 * named in a result (as done or probably done) or counted among what may be unreported, nothing
 * is named that did not leave, and nothing is acted on twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultRequest } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { type Fixture, startFixture } from "../support/harness.js";
import { MAX_ATTEMPTS, SCENARIOS, SERVER_ARGS } from "./faults-support.js";

const ENTRIES = 160;
const messages: DlqMessage[] = Array.from({ length: ENTRIES }, (_, index) => {
  const n = String(index).padStart(4, "0");
  return {
    dlqId: `dlq_listed${n}`,
    workflowRunId: `wfr_listed${n}`,
    workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
    workflowCreatedAt: FIXED_NOW - 3_600_000 + index,
    url: "https://api.acme-shop.example/api/workflows/orders",
    method: "POST",
    maxRetries: 3,
    createdAt: FIXED_NOW - 600_000 + index * 1_000,
    label: index % 4 === 0 ? "checkout" : "payments",
    // Every third fails with a 422 that must not run again; the rest with a 503.
    responseStatus: index % 3 === 0 ? 422 : 503,
    responseBody: index % 3 === 0 ? '{"message":"order already fulfilled"}' : "Service Unavailable",
  };
});

interface Operation {
  name: string;
  tool: string;
  args: Record<string, unknown>;
  /** The requests that change the DLQ. */
  acts: (request: FaultRequest) => boolean;
  selected: Set<string>;
}

const OPERATIONS: Operation[] = [
  {
    name: "delete all where the body says already fulfilled",
    tool: "dlq_delete",
    args: { all: true, where: { responseBodyContains: "already fulfilled" }, count: 30 },
    acts: (r) => r.method === "DELETE",
    selected: new Set(messages.filter((m) => m.responseStatus === 422).map((m) => m.dlqId)),
  },
  {
    name: "delete a filter",
    tool: "dlq_delete",
    args: { filter: { label: "payments" }, count: 40 },
    acts: (r) => r.method === "DELETE",
    selected: new Set(messages.filter((m) => m.label === "payments").map((m) => m.dlqId)),
  },
  {
    name: "resume a filter's 5xx",
    tool: "dlq_resume",
    args: { filter: { label: "payments" }, where: { responseStatus: ["5xx"] }, count: 30 },
    acts: (r) => r.method === "POST",
    selected: new Set(
      messages.filter((m) => m.label === "payments" && m.responseStatus === 503).map((m) => m.dlqId),
    ),
  },
];

const TARGETS = {
  "the second listing": (r: FaultRequest) => r.method === "GET" && r.query.some(([key]) => key === "cursor"),
  "the first change": (r: FaultRequest) => r.method !== "GET",
  "the third change": (r: FaultRequest) => r.method !== "GET",
} as const;
const AFTER: Record<keyof typeof TARGETS, number> = {
  "the second listing": 0,
  "the first change": 0,
  "the third change": 2,
};

interface Reported {
  named: string[];
  runIds: string[];
  unreportedAtMost: number;
}

describe.each(OPERATIONS)("$name under faults", (operation) => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture({ messages }, { args: SERVER_ARGS });
  });
  afterAll(() => fixture.close());

  const cases = SCENARIOS.filter((scenario) => scenario.kind !== "huge-body").flatMap((scenario) =>
    (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).flatMap((target) =>
      (["once", "sticky"] as const).map((persistence) => ({ scenario, target, persistence })),
    ),
  );

  it.each(cases)("$scenario.name at $target ($persistence)", async ({ scenario, target, persistence }) => {
    fixture.emulator.reset({ messages });
    fixture.emulator.clearRequests();
    fixture.emulator.clearFaults();
    fixture.emulator.inject({
      kind: scenario.kind,
      match: TARGETS[target],
      after: AFTER[target],
      times: persistence === "once" ? 1 : MAX_ATTEMPTS,
      ...(scenario.options?.(Date.now()) ?? {}),
    });
    const reported: Reported = { named: [], runIds: [], unreportedAtMost: 0 };
    let cursor: string | undefined;
    for (let calls = 0; calls < 30; calls++) {
      const result = await fixture.call(operation.tool, { ...operation.args, ...(cursor ? { cursor } : {}) });
      let data = (result.structuredContent ?? {}) as Record<string, unknown>;
      // A report too long for the result is whole in the resource it links.
      const resource = (data.deletedIdsResource ?? data.workflowRunsResource) as string | undefined;
      if (resource) {
        const read = await fixture.client.readResource({ uri: resource });
        data = { ...data, ...JSON.parse((read.contents[0] as { text: string }).text) };
      }
      reported.named.push(
        ...((data.deletedIds as string[] | undefined) ?? []),
        ...((data.probablyDeleted as string[] | undefined) ?? []),
        ...((data.probablyResumed as string[] | undefined) ?? []),
      );
      reported.runIds.push(
        ...((data.workflowRuns as { workflowRunId: string }[] | undefined) ?? []).map(
          (run) => run.workflowRunId,
        ),
      );
      reported.unreportedAtMost += (data.unreportedAtMost as number | undefined) ?? 0;
      cursor = data.cursor as string | undefined;
      if (!cursor && data.stopReason !== "error") break;
    }
    const left = new Set(fixture.emulator.store.list().map((m) => m.dlqId));
    const gone = messages.map((m) => m.dlqId).filter((id) => !left.has(id));
    // The operation ran to its end: everything selected, and nothing else, left the DLQ.
    expect(new Set(gone)).toEqual(operation.selected);
    // Nothing acted on twice: one resume record per entry.
    const acted = fixture.emulator.resumed.map((record) => record.dlqId);
    expect(new Set(acted).size).toBe(acted.length);
    // Every entry that left is named, by id or by its new run, or counted as possibly unreported.
    const runOf = new Map(fixture.emulator.resumed.map((record) => [record.workflowRunId, record.dlqId]));
    const named = new Set([...reported.named, ...reported.runIds.map((run) => runOf.get(run) ?? run)]);
    const unnamed = gone.filter((id) => !named.has(id));
    expect(unnamed.length, `unreported: ${unnamed.slice(0, 5).join(", ")}`).toBeLessThanOrEqual(
      reported.unreportedAtMost,
    );
    // And nothing is named that did not leave.
    for (const id of named) expect(operation.selected.has(id), `${id} named but not selected`).toBe(true);
  });
});
