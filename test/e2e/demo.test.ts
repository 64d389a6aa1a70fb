/**
 * The demo is what a newcomer runs first, so it has to work from a fresh build, tell the story
 * step by step, and finish with only the runs a person has to decide on.
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

  it("walks through the six steps in order", () => {
    const headings = lines.filter((line) => line.startsWith("== "));
    expect(headings).toEqual([
      "== 1. What is in the DLQ? ==",
      "== 2. Which failures are worth retrying? ==",
      "== 3. Resume two retryable runs by id ==",
      "== 4. Preview a label before resuming it ==",
      "== 5. Resume the retryable rest by id, throttled, in bounded calls ==",
      "== 6. Verify: only the runs that must not run again remain ==",
    ]);
  });

  it("summarises the sandbox DLQ by workflow, label and status", () => {
    expect(run.stdout).toContain("Listed 600 DLQ messages in 6 requests.");
    expect(run.stdout).toMatch(/^ {4}\/api\/workflows\/payments +\d+$/m);
    expect(run.stdout).toMatch(/^ {4}checkout +\d+$/m);
    expect(run.stdout).toMatch(/^ {4}HTTP 500 +\d+$/m);
  });

  it("leaves the runs that would only fail again, such as a 422 order already fulfilled", () => {
    expect(run.stdout).toMatch(/HTTP 422 .*already ful/);
    expect(run.stdout).toMatch(/stay in the DLQ for a person to decide/);
  });

  it("resumes only retryable runs by id, and the rest under flow control", () => {
    expect(run.stdout).toMatch(/Picked \S+ \(HTTP (5\d\d|429)\) and \S+ \(HTTP (5\d\d|429)\)/);
    expect(run.stdout).toContain("Resumed 2 runs in 1 request (ids)");
    expect(run.stdout.match(/^ {2}new run wfr_\S+$/gm)).toHaveLength(2);
    expect(run.stdout).toMatch(/Dry run, nothing resumed: \d+ entries would be resumed/);
    expect(run.stdout).toMatch(/flowControl dlq-redrive-demo: 20\/1s, parallelism 10; retries 2; maxPages 3/);
  });

  it("continues by cursor until none comes back", () => {
    const calls = lines.filter((line) => /^ {2}call \d+: /.test(line));
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.slice(0, -1).every((line) => line.endsWith("cursor returned"))).toBe(true);
    expect(calls.at(-1)).toMatch(/no cursor$/);
  });

  it("ends with only the runs left for a person, and totals that add up", () => {
    const totals = /by id (\d+) \+ throttled (\d+) = (\d+) resumed/.exec(run.stdout);
    expect(totals).not.toBeNull();
    const [byId, throttled, sum] = (totals ?? []).slice(1).map(Number);
    expect(byId).toBe(2);
    expect((byId ?? 0) + (throttled ?? 0)).toBe(sum);
    const counts = /600 entries at the start, (\d+) resumed, (\d+) entries remain\./.exec(run.stdout);
    expect(Number(counts?.[1]) + Number(counts?.[2])).toBe(600);
    expect(lines.at(-1)).toMatch(
      /^Done: every retryable run was resumed under flow control; \d+ runs wait for a person\.$/,
    );
  });

  it("prints readable text, not JSON-RPC or JSON dumps", () => {
    expect(run.stdout).not.toMatch(/jsonrpc/i);
    expect(run.stdout).not.toMatch(/"(?:method|result|id|messages|workflowRuns)"\s*:/);
    expect(lines.some((line) => /^\s*[[{]/.test(line))).toBe(false);
    expect(lines.length).toBeGreaterThanOrEqual(40);
    expect(lines.length).toBeLessThanOrEqual(70);
  });
});
