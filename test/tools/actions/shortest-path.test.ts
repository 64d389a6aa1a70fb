/**
 * The agent's shortest path through the action tools, over stdio and over stateless HTTP: a dry
 * run that is also the question (preview, then act: two calls), results that echo what a redrive
 * applied, and a labelled drain that a stateless replica reports as counts and a pointer to
 * workflow_runs instead of stopping every few hundred runs.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../src/emulator/index.js";
import { type Asker, connectHttp, type McpTestClient } from "../../support/clients.js";
import { FIXED_NOW } from "../../support/data.js";
import { TEST_TOKEN, textOf, useFixture } from "../../support/harness.js";
import { startHttpServer } from "../../support/http-server.js";

interface Acted {
  stopReason: string;
  complete?: boolean;
  confirm?: string;
  resumed?: number;
  restarted?: number;
  workflowRuns?: { workflowRunId: string }[];
  workflowRunsTruncated?: boolean;
  workflowRunsResource?: string;
  cursor?: string;
  applied?: {
    flowControl: { key: string; rate: number | string; parallelism: number | string; period?: string } | null;
    retries: number | string;
    label: string | null;
  };
  preview?: { matched: number };
}

const data = (result: { structuredContent?: unknown }) => result.structuredContent as Acted;
const YES: Asker = () => ({ action: "accept", content: { confirm: true } });
const ENTRIES = 150;

type Call = (name: string, args: Record<string, unknown>) => Promise<CallToolResult>;

/** The same checks, run against a stdio session and against a stateless HTTP replica. */
function shortestPath(
  transport: string,
  setup: () => { call: Call; emulator: () => Emulator; client: () => McpTestClient },
) {
  describe(`over ${transport}`, () => {
    const { call, emulator, client } = setup();

    it("says once, in its instructions and arguments, what an argument does that is not obvious", async () => {
      const tools = (await client().listTools()).tools;
      const resume = tools.find((tool) => tool.name === "dlq_resume");
      const properties = resume?.inputSchema.properties as Record<string, { description?: string }>;
      for (const name of ["confirm", "cursor", "where", "maxPages", "count", "dryRun", "filter"]) {
        expect(properties[name]?.description, name).toBeTruthy();
      }
      expect(properties.dryRun?.description).toMatch(/confirm/);
      const instructions = client().getInstructions() ?? "";
      expect(instructions).toMatch(/filter fields match whole values/);
      expect(instructions).toMatch(/fromDate and toDate are inclusive/);
      expect(instructions).toMatch(/time zone/);
      for (const name of ["dlq_resume", "dlq_resume_all"]) {
        expect(tools.find((tool) => tool.name === name)?.description).toMatch(/dlq_restart/);
      }
    });

    it("says no limit for a key without one, never a limit of 0", async () => {
      emulator().store.flowControl.observe("unlimited", undefined);
      const result = await call("flow_control_status", { key: "unlimited" });
      expect(textOf(result).split("\n")[0]).toBe('key "unlimited": 0 runs waiting, no limit.');
      expect(result.structuredContent).toMatchObject({
        keys: [{ key: "unlimited", rate: { max: null }, parallelism: { max: null } }],
      });
    });

    it("calls the failure function's state by one name in filters and results", async () => {
      const result = await call("dlq_list", {
        filter: { failureFunctionState: "CALLBACK_FAIL" },
        summary: true,
      });
      const listed = result.structuredContent as {
        messages: { failureFunctionState?: string }[];
        summary: { byFailureFunctionState: { value: string }[] };
      };
      expect(listed.messages.length).toBeGreaterThan(0);
      expect(listed.messages.every((message) => message.failureFunctionState === "CALLBACK_FAIL")).toBe(true);
      expect(listed.summary.byFailureFunctionState.map((group) => group.value)).toEqual(["CALLBACK_FAIL"]);
    });

    it("a dry run that would be asked hands out the token with its preview; passing it back acts", async () => {
      const args = { flowControl: { key: "redrive-7", rate: 10 } };
      const preview = await call("dlq_resume_all", { ...args, dryRun: true });
      expect(preview.isError).toBeFalsy();
      expect(data(preview)).toMatchObject({ stopReason: "unconfirmed", preview: { matched: ENTRIES } });
      expect(textOf(preview)).toMatch(/^Dry run: Resume 150 DLQ entries \(the whole DLQ\)/);
      expect(textOf(preview)).toMatch(/with the same arguments, without dryRun, and with confirm/);
      expect(emulator().resumed).toEqual([]);

      const acted = await call("dlq_resume_all", { ...args, confirm: data(preview).confirm });
      expect(data(acted)).toMatchObject({ stopReason: "done", resumed: ENTRIES });
      expect(emulator().resumed).toHaveLength(ENTRIES);
    });

    it("a token a dry run handed out is spent once, and binds the options it previewed", async () => {
      const preview = await call("dlq_resume_all", { dryRun: true, retries: 2 });
      const confirm = data(preview).confirm;
      expect(confirm).toBeTruthy();
      const other = await call("dlq_resume_all", { retries: 3, confirm });
      expect(other.isError).toBe(true);
      expect(textOf(other)).toMatch(/confirms other arguments/);
      const acted = await call("dlq_resume_all", { retries: 2, confirm });
      expect(data(acted).resumed).toBe(ENTRIES);
      const again = await call("dlq_resume_all", { retries: 2, confirm });
      expect(again.isError).toBe(true);
      expect(textOf(again)).toMatch(/already used/);
      expect(emulator().resumed).toHaveLength(ENTRIES);
    });

    it("a small dry run is a plain preview: nothing to confirm", async () => {
      const ids = emulator()
        .store.list()
        .slice(0, 3)
        .map((message) => message.dlqId);
      const preview = await call("dlq_resume", { dlqIds: ids, dryRun: true });
      expect(data(preview)).toMatchObject({ stopReason: "done", complete: true });
      expect(data(preview).confirm).toBeUndefined();
    });

    it("echoes what a redrive applied, in applied and in its first line", async () => {
      const message = emulator().store.list()[0];
      const args = {
        dlqIds: [message?.dlqId],
        flowControl: { key: "incident-4711", rate: 10 },
        retries: 2,
        label: "incident-4711",
      };
      const preview = await call("dlq_resume", { ...args, dryRun: true });
      const applied = {
        flowControl: { key: "incident-4711", rate: 10, parallelism: "no limit", period: "1s" },
        retries: 2,
        label: "incident-4711",
      };
      expect(data(preview).applied).toEqual(applied);
      expect(textOf(preview)).toMatch(
        /New runs: paced 10 per 1s under key incident-4711, 2 retries each, labelled incident-4711\./,
      );

      const result = await call("dlq_resume", args);
      expect(data(result).applied).toEqual(applied);
      const newRun = emulator().resumed[0]?.workflowRunId as string;
      expect(data(result).workflowRuns?.[0]?.workflowRunId).toBe(newRun);
      const firstLine = textOf(result).split("\n")[0] as string;
      expect(firstLine).toMatch(
        new RegExp(
          `^Resumed 1 run \\(new run ${newRun}\\) in 1 request \\(ids\\), paced 10 per 1s under key incident-4711, 2 retries each, labelled incident-4711`,
        ),
      );
      expect(emulator().resumed[0]).toMatchObject({
        retries: 2,
        label: "incident-4711",
        flowControlKey: "incident-4711",
      });
    });

    it("summarises the whole selection by default, and says so", async () => {
      const result = await call("dlq_list", { summary: true });
      const listed = result.structuredContent as { complete: boolean; summary: { entries: number } };
      expect(listed.summary.entries).toBe(ENTRIES);
      expect(listed.complete).toBe(true);
      expect(textOf(result)).toMatch(/^Summarised all 150 DLQ entries of the selection in 2 requests\./);
      const partial = await call("dlq_list", { summary: true, count: 100, maxPages: 1 });
      expect(textOf(partial)).toMatch(
        /^Summarised the first 100 DLQ entries in 1 request; more remain: the counts cover only these/,
      );
      expect((partial.structuredContent as { cursor?: string }).cursor).toBeTruthy();
    });

    it("explains a run from the run id a customer quoted, in one call", async () => {
      const [first, second] = emulator().store.list();
      const result = await call("dlq_inspect", {
        workflowRunIds: [first?.workflowRunId, second?.workflowRunId, "wfr_nobody_has_this"],
      });
      const inspected = result.structuredContent as { entries: { dlqId: string }[]; gone: string[] };
      expect(inspected.entries.map((entry) => entry.dlqId)).toEqual([first?.dlqId, second?.dlqId]);
      expect(inspected.gone).toEqual(["wfr_nobody_has_this"]);
      // A prefix of a run id is not that run: QStash may match the filter as a prefix.
      const prefix = await call("dlq_inspect", {
        workflowRunIds: [String(first?.workflowRunId).slice(0, 8)],
      });
      expect((prefix.structuredContent as { entries: unknown[] }).entries).toEqual([]);
      const both = await call("dlq_inspect", {
        dlqIds: [first?.dlqId],
        workflowRunIds: [first?.workflowRunId],
      });
      expect(both.isError).toBe(true);
      expect(textOf(both)).toMatch(/exactly one of dlqIds .* and workflowRunIds/);
    });

    it("says when nothing was set: no flow control, QStash's default retries, labels kept", async () => {
      const ids = emulator()
        .store.list()
        .slice(0, 2)
        .map((message) => message.dlqId);
      const result = await call("dlq_restart", { dlqIds: ids });
      expect(data(result).applied).toEqual({ flowControl: null, retries: "default", label: null });
      expect(textOf(result)).toMatch(
        /^Restarted 2 runs in 1 request \(ids\), no flow control, QStash's default retries, labels kept/,
      );
    });
  });
}

shortestPath("stdio", () => {
  const fixture = useFixture({ entries: ENTRIES, seed: 9, now: FIXED_NOW }, { confirm: true });
  return {
    call: (name, args) => fixture.call(name, args),
    emulator: () => fixture.emulator,
    client: () => fixture.client,
  };
});

/**
 * The built server as a stateless HTTP replica in front of an emulator of `entries` entries,
 * asking before large changes, with the DLQ as it was before each test.
 */
function useHttpReplica(
  entries: number,
  seed: number,
): { emulator: () => Emulator; client: () => McpTestClient } {
  const seeded = { entries, seed, now: FIXED_NOW };
  let emulator: Emulator;
  let server: { stop: () => Promise<void>; url: string };
  let client: McpTestClient;
  beforeAll(async () => {
    emulator = await startEmulator({ token: TEST_TOKEN, ...seeded });
    server = await startHttpServer(
      [],
      { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
      { confirm: true },
    );
    client = await connectHttp(server.url);
  });
  beforeEach(() => emulator.reset(seeded));
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await emulator?.close();
  });
  return { emulator: () => emulator, client: () => client };
}

shortestPath("stateless HTTP", () => {
  const replica = useHttpReplica(ENTRIES, 9);
  return {
    ...replica,
    call: async (name, args) =>
      (await replica.client().callTool({ name, arguments: args })) as CallToolResult,
  };
});

describe("a client that can ask the user itself", () => {
  const fixture = useFixture({ entries: ENTRIES, seed: 9, now: FIXED_NOW }, { confirm: true, asks: YES });

  it("gets a plain preview from a dry run: the real call asks, so no token goes to the agent", async () => {
    const preview = await fixture.call("dlq_resume_all", { dryRun: true });
    expect(data(preview)).toMatchObject({ stopReason: "done", preview: { matched: ENTRIES } });
    expect(data(preview).confirm).toBeUndefined();
    const acted = await fixture.call("dlq_resume_all", {});
    expect(data(acted)).toMatchObject({ stopReason: "done", resumed: ENTRIES });
  });
});

describe("a big drain over stateless HTTP", () => {
  const DRAIN = 1_200;
  const replica = useHttpReplica(DRAIN, 3);
  let calls: number[] = [];
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = (await replica.client().callTool({ name, arguments: args })) as CallToolResult;
    calls.push(JSON.stringify(result.content).length);
    return result;
  };
  beforeEach(() => {
    calls = [];
  });

  it("with a label takes a preview and one call, reports the count and the first runs, and workflow_runs counts them all", async () => {
    const args = { label: "redrive-2026-12-07", flowControl: { key: "redrive-2026-12-07", rate: 1000 } };
    const preview = await call("dlq_resume_all", { ...args, dryRun: true });
    const acted = await call("dlq_resume_all", { ...args, confirm: data(preview).confirm });
    expect(data(acted)).toMatchObject({
      stopReason: "done",
      complete: true,
      resumed: DRAIN,
      workflowRunsTruncated: true,
    });
    expect(data(acted).cursor).toBeUndefined();
    expect(data(acted).workflowRunsResource).toBeUndefined();
    expect(data(acted).workflowRuns?.length).toBeGreaterThan(0);
    expect(textOf(acted)).toMatch(
      /every run this call resumed carries the label redrive-2026-12-07: workflow_runs \{"label": "redrive-2026-12-07"\} lists them all/,
    );
    expect(replica.emulator().resumed).toHaveLength(DRAIN);
    expect(Math.max(...calls)).toBeLessThanOrEqual(40_000);

    let runs = 0;
    let cursor: string | undefined;
    do {
      const page = await call("workflow_runs", {
        label: "redrive-2026-12-07",
        ...(cursor ? { cursor } : {}),
      });
      const counted = page.structuredContent as { runs: number; cursor?: string };
      runs += counted.runs;
      cursor = counted.cursor;
    } while (cursor);
    expect(runs).toBe(DRAIN);
  });

  it("without a label stops at the result bound and says how to make the drain short", async () => {
    const preview = await call("dlq_resume_all", { dryRun: true });
    const acted = await call("dlq_resume_all", { confirm: data(preview).confirm });
    expect(data(acted).stopReason).toBe("resultSize");
    expect(data(acted).cursor).toBeTruthy();
    expect(textOf(acted)).toMatch(/give the next call \(without cursor\) a label/);
    expect(Math.max(...calls)).toBeLessThanOrEqual(40_000);
  });
});
