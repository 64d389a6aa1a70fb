/**
 * The demo is what a newcomer runs first, so it has to work from a fresh build, tell the story
 * step by step, and finish with an empty DLQ.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const DEMO = fileURLToPath(new URL("../../scripts/demo.mjs", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function runDemo(): Promise<Run> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [DEMO], {
      env: { PATH: process.env.PATH ?? "" },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : -1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? String(error),
      ms: Date.now() - started,
    };
  }
}

describe("npm run demo", () => {
  let run: Run;
  let lines: string[];
  beforeAll(async () => {
    run = await runDemo();
    lines = run.stdout.trimEnd().split("\n");
  });

  it("exits 0 within a few seconds", () => {
    expect(run.stderr).not.toMatch(/demo failed/);
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(10_000);
  });

  it("walks through the five steps in order", () => {
    const headings = lines.filter((line) => line.startsWith("== "));
    expect(headings).toEqual([
      "== 1. What is in the DLQ? ==",
      "== 2. Resume two runs by id ==",
      "== 3. Resume one label, throttled ==",
      "== 4. Resume everything else in bounded calls (maxPages 3) ==",
      "== 5. Verify the DLQ is empty ==",
    ]);
  });

  it("summarises the sandbox DLQ by workflow, label and status", () => {
    expect(run.stdout).toContain("Listed 600 DLQ messages in 6 requests.");
    expect(run.stdout).toMatch(/^ {4}\/api\/workflows\/payments +\d+$/m);
    expect(run.stdout).toMatch(/^ {4}checkout +\d+$/m);
    expect(run.stdout).toMatch(/^ {4}HTTP 500 +\d+$/m);
  });

  it("shows the runs resumed by id and the label resumed with flow control", () => {
    expect(run.stdout).toContain("Resumed 2 runs in 1 request (ids)");
    expect(run.stdout.match(/^ {2}new run wfr_\S+$/gm)).toHaveLength(2);
    expect(run.stdout).toMatch(/flowControl \S+-recovery: 10\/1s, parallelism 5; retries 2/);
    expect(run.stdout).toMatch(/Resumed [1-9]\d* "[^"]+" runs\./);
  });

  it("continues dlq_resume_all by cursor until none comes back", () => {
    const calls = lines.filter((line) => /^ {2}call \d+: /.test(line));
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.slice(0, -1).every((line) => line.endsWith("cursor returned"))).toBe(true);
    expect(calls.at(-1)).toMatch(/no cursor$/);
  });

  it("ends with an empty DLQ and totals that add up", () => {
    expect(run.stdout).toContain("Listed 0 DLQ messages in 1 request.");
    expect(run.stdout).toContain("600 entries at the start, 600 resumed, 0 entries remain.");
    const totals = /by id (\d+) \+ label "[^"]+" (\d+) \+ resume_all (\d+) = (\d+)/.exec(run.stdout);
    expect(totals).not.toBeNull();
    const [byId, byLabel, byAll, sum] = (totals ?? []).slice(1).map(Number);
    expect(byId).toBe(2);
    expect((byId ?? 0) + (byLabel ?? 0) + (byAll ?? 0)).toBe(sum);
    expect(lines.at(-1)).toBe("Done: every failed run was resumed and the DLQ is empty.");
  });

  it("prints readable text, not JSON-RPC or JSON dumps", () => {
    expect(run.stdout).not.toMatch(/jsonrpc/i);
    expect(run.stdout).not.toMatch(/"(?:method|result|id|messages|workflowRuns)"\s*:/);
    expect(lines.some((line) => /^\s*[[{]/.test(line))).toBe(false);
    expect(lines.length).toBeGreaterThanOrEqual(40);
    expect(lines.length).toBeLessThanOrEqual(70);
  });
});
