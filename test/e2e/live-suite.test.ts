/**
 * The live suite (`npm run test:live`, test/live/scenarios.ts) against the emulator, as it runs
 * without QSTASH_TOKEN: read-only, and with --write. Whatever QSTASH_TOKEN this process has, the
 * target here is always the emulator. Beyond the suite's own checks: the read-only run sends no
 * change at all, and the write run touches nothing but what it made.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  emulatorTarget,
  guardChange,
  type LiveTarget,
  ownScope,
  Refused,
  runLiveSuite,
} from "../live/scenarios.js";
import { leakForms } from "../support/harness.js";

let target: LiveTarget | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await target?.close();
  target = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const saveDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "dlq-mcp-live-"));
  dirs.push(dir);
  return dir;
};

const changes = (emulator: NonNullable<LiveTarget["emulator"]>) =>
  emulator.requests.filter((request) => request.method !== "GET");

describe("the live suite against the emulator", () => {
  it("read-only: every check passes, says what it checks against QStash, and changes nothing", async () => {
    target = await emulatorTarget();
    const emulator = target.emulator as NonNullable<LiveTarget["emulator"]>;
    const before = emulator.store.list().map((message) => message.dlqId);
    const lines: string[] = [];
    const dir = saveDir();
    const report = await runLiveSuite(target, { saveDir: dir, log: (line) => lines.push(line) });

    expect(report.failed).toEqual([]);
    expect(report.results.filter((result) => result.skipped)).toEqual([]);
    expect(report.results.map((result) => result.name)).toEqual([
      "tools",
      "list (raw)",
      "get (raw)",
      "dlq_list",
      "dlq_list summary",
      "dlq_inspect",
      "logs (raw)",
      "workflow_runs",
      "flow-control keys (raw)",
      "flow_control_status",
    ]);
    // Each check says it ran against the emulator, and what it checks against real QStash.
    for (const result of report.results) {
      expect(lines).toContain(`✓ [emulator] ${result.name}: ${result.detail}`);
      expect(lines).toContain(`    against real QStash it checks ${result.againstQStash}`);
    }
    expect(changes(emulator)).toEqual([]);
    expect(emulator.store.list().map((message) => message.dlqId)).toEqual(before);

    // Fixtures: the emulator as source, no token in any form, no header values.
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(report.saved.length);
    expect(files).toEqual(expect.arrayContaining(["01-dlq-list.json", "02-dlq-get.json"]));
    for (const file of files) {
      const text = readFileSync(join(dir, file), "utf8");
      const fixture = JSON.parse(text) as { source: string; request: { path: string }; status: number };
      expect(fixture.source).toBe("emulator");
      expect(fixture.status).toBe(200);
      for (const form of leakForms(target.token)) expect(text).not.toContain(form);
      // The seeded entries' request headers hold made-up credentials: only their names may remain.
      expect(text).not.toMatch(/sk_live_|Bearer /);
    }
  }, 60_000);

  it("--write: makes its own entries, resumes, pauses, checks and deletes them, and touches nothing else", async () => {
    target = await emulatorTarget();
    const emulator = target.emulator as NonNullable<LiveTarget["emulator"]>;
    const seeded = emulator.store.list().map((message) => message.dlqId);
    const keysBefore = emulator.store.flowControl.list().map((info) => info.flowControlKey);
    const lines: string[] = [];
    const report = await runLiveSuite(target, { write: true, log: (line) => lines.push(line) });

    expect(report.failed).toEqual([]);
    expect(report.results.map((result) => result.name).slice(-9)).toEqual([
      "trigger",
      "label filter",
      "dlq_inspect own",
      "dlq_resume under the key",
      "flow_control_update pause",
      "flow_control_update resume",
      "workflow_runs outcome",
      "dlq_delete by label",
      "cleanup",
    ]);
    // The server asked before the redrive, its entries having run under the key; the suite said
    // yes once the preview showed only its own.
    expect(report.results.at(-1)?.detail).toMatch(/; [1-9] changes? confirmed after their preview/);
    const label = report.label as string;
    const key = report.key as string;
    expect(label).toMatch(/^dlq-mcp-live-[0-9a-f]{10}$/);

    // Every seeded entry is still there and nothing of the suite's is left; its key is released.
    expect(emulator.store.list().map((message) => message.dlqId)).toEqual(seeded);
    expect(emulator.store.list({ label: [label] })).toEqual([]);
    expect(emulator.store.flowControl.list().map((info) => info.flowControlKey)).toEqual(
      [...keysBefore, key].sort(),
    );
    expect(emulator.store.flowControl.info(key)?.isPaused).toBe(false);
    // Every run resumed was one of the suite's, resumed under its key and label.
    expect(emulator.resumed.length).toBeGreaterThanOrEqual(3);
    for (const record of emulator.resumed) {
      expect(record).toMatchObject({ flowControlKey: key, label, retries: 0 });
    }
    // Every change named the suite's label, its key, or ids listed under its label.
    const own = new Set(emulator.resumed.flatMap((record) => [record.dlqId, record.refailedAs ?? ""]));
    for (const request of changes(emulator)) {
      const query = new URLSearchParams(request.query);
      const path = decodeURIComponent(request.path);
      const named =
        query.getAll("label").join() === label ||
        path.includes(`/flowControl/${key}/`) ||
        path.includes(`/trigger/https://example.com/dlq-mcp-live/${label}`) ||
        (query.getAll("dlqIds").length > 0 && query.getAll("dlqIds").every((id) => own.has(id))) ||
        own.has(path.split("/").pop() ?? "");
      expect(named, `${request.method} ${request.path}?${query}`).toBe(true);
    }
  }, 60_000);

  it("the write guard refuses anything but the suite's own label, ids and key, and everything before the label filter was seen to work", () => {
    const own = { ...ownScope(), dlqIds: new Set(["dlq_own"]) };
    expect(own.label).toMatch(/^dlq-mcp-live-[0-9a-f]{10}$/);
    expect(own.key).toBe(`${own.label}-key`);
    const byLabel = { filter: { label: own.label } };
    expect(() => guardChange("dlq_delete", byLabel, own)).toThrow(Refused);
    own.labelFilterChecked = true;
    expect(() => guardChange("dlq_delete", byLabel, own)).not.toThrow();
    expect(() => guardChange("dlq_delete", { dlqIds: ["dlq_own"] }, own)).not.toThrow();
    const resume = { ...byLabel, flowControl: { key: own.key, rate: 1 }, label: own.label };
    expect(() => guardChange("dlq_resume", resume, own)).not.toThrow();
    expect(() => guardChange("flow_control_update", { key: own.key, action: "pause" }, own)).not.toThrow();
    for (const [tool, args] of [
      ["dlq_delete", { all: true }],
      ["dlq_delete", { filter: { label: [own.label, "payments"] } }],
      ["dlq_delete", { filter: { label: own.label, workflowUrl: "https://x.example" } }],
      ["dlq_delete", { filter: { label: "payments" } }],
      ["dlq_delete", { dlqIds: ["dlq_own", "dlq_other"] }],
      ["dlq_resume", { ...resume, flowControl: { key: "payments-key", rate: 1 } }],
      ["dlq_resume", { ...resume, label: "payments" }],
      ["dlq_resume_all", {}],
      ["dlq_restart", byLabel],
      ["flow_control_update", { key: "payments-key", action: "pause" }],
    ] as const) {
      expect(
        () => guardChange(tool, args as Record<string, unknown>, own),
        `${tool} ${JSON.stringify(args)}`,
      ).toThrow(Refused);
    }
  });
});
