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
}

async function runDemo(): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [DEMO], {
      env: { PATH: process.env.PATH ?? "" },
      // A guard against a hang, not a measure: the drill waits for a paced redrive to drain.
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : -1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? String(error),
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

  it("exits 0", () => {
    expect(run.stderr).not.toMatch(/demo failed/);
    expect(run.code).toBe(0);
  });

  it("walks through the five steps in order", () => {
    const headings = lines.filter((line) => line.startsWith("== "));
    expect(headings).toEqual([
      "== 1. What is in the DLQ, and why? ==",
      "== 2. Delete what must never run again ==",
      "== 3. Restart the runs whose code was fixed ==",
      "== 4. Why did the 5xx runs fail? ==",
      "== 5. Resume the 5xx and 429 runs under a dedicated key, at a rate the downstream can take ==",
      "== 6. Watch it drain; pause when the downstream falls over; let it go again ==",
      "== 7. Did the redrive work? ==",
      "== 8. Verify: only the runs a person must decide on remain ==",
    ]);
  });

  it("groups the sandbox DLQ by workflow, status and error", () => {
    expect(run.stdout).toContain("Summarised all 600 DLQ entries of the selection in 6 requests.");
    expect(run.stdout).toMatch(/^ {4}\/api\/workflows\/payments +\d+$/m);
    expect(run.stdout).toMatch(/^ {4}HTTP 500 +\d+$/m);
    expect(run.stdout).toMatch(/^ {2}by error:$/m);
    expect(run.stdout).toMatch(/^ {4}422 \{"error":"unprocessable_entity","message":"order already…/m);
  });

  it("deletes the 422 already-fulfilled runs, restarts the fixed ones and resumes the 5xx ones, by where", () => {
    expect(run.stdout).toMatch(/Dry run, nothing deleted: \d+ entries would be deleted by this call\./);
    expect(run.stdout).toMatch(/call 1: Deleted \d+ entries in \d+ requests \(all\)/);
    expect(run.stdout).toMatch(/call 1: Restarted \d+ runs in \d+ requests? \(all\)/);
    expect(run.stdout).toMatch(/Dry run, nothing resumed: \d+ entries would be resumed by this call\./);
    expect(run.stdout).toMatch(/call \d+: Resumed \d+ runs/);
    expect(run.stdout).toMatch(/flowControl demo-redrive-1: 20\/1s, parallelism 10/);
  });

  it("inspects why two retryable runs failed: their step, attempts and last answer", () => {
    const step4 = section(lines, "== 4.");
    expect(step4).toHaveLength(2);
    for (const line of step4) {
      expect(line).toMatch(
        /^ {2}dlq_\w+ failed at step: "[\w-]+"(?: \(type: "\w+"\))? after 4 attempts with (5\d\d|429), body: "/,
      );
    }
  });

  it("watches the redrive drain, holds it while paused, and lets it finish", () => {
    const step6 = section(lines, "== 6.");
    const sizes = step6
      .map((line) => /key "demo-redrive-1": (\d+) runs? waiting/.exec(line)?.[1])
      .filter((size): size is string => size !== undefined)
      .map(Number);
    expect(sizes[0]).toBeGreaterThan(0);
    expect(sizes[1]).toBeLessThan(sizes[0] as number);
    const paused = step6.find((line) => line.startsWith("  Paused demo-redrive-1."));
    const later = step6.find((line) => line.startsWith("  600 ms later: "));
    expect(later).toMatch(/paused/);
    expect(/(\d+) runs waiting/.exec(later ?? "")?.[1]).toBe(/(\d+) runs waiting/.exec(paused ?? "")?.[1]);
    expect(step6.at(-1)).toMatch(/^ {2}key "demo-redrive-1": 0 runs waiting/);
    const resumed = Number(/deleted \d+, restarted \d+, resumed (\d+);/.exec(run.stdout)?.[1]);
    expect(section(lines, "== 7.")).toEqual([
      `  workflow_runs {label: "incident-demo-1"}: ${resumed} runs: ${resumed} succeeded.`,
    ]);
  });

  it("asks the user before each large change, and goes on only after a yes", () => {
    const questions = lines.filter((line) => line.startsWith("  the server asks: "));
    expect(questions).toHaveLength(3);
    expect(questions[0]).toMatch(
      /^ {2}the server asks: Delete \d+ DLQ entries from the whole DLQ with body containing "already fulfilled"\? They will not run, and this cannot be undone\.$/,
    );
    expect(questions[2]).toMatch(
      /Resume \d+ DLQ entries from the whole DLQ with status 5xx or 429, paced under flow-control key demo-redrive-1\?/,
    );
    for (const [index, line] of lines.entries()) {
      if (line.startsWith("  the server asks: ")) expect(lines[index + 1]).toBe("  the user: yes");
    }
  });

  it("ends with only the runs left for a person, and totals that add up", () => {
    const totals = /deleted (\d+), restarted (\d+), resumed (\d+); the server asked 3 times\./.exec(
      run.stdout,
    );
    expect(totals).not.toBeNull();
    const [deleted, restarted, resumed] = (totals ?? []).slice(1).map(Number) as [number, number, number];
    expect(deleted).toBeGreaterThan(0);
    expect(restarted).toBeGreaterThan(0);
    expect(resumed).toBeGreaterThan(0);
    const counts = /600 entries at the start, (\d+) entries remain\./.exec(run.stdout);
    expect(deleted + restarted + resumed + Number(counts?.[1])).toBe(600);
    expect(lines.at(-1)).toMatch(
      /^Done: \d+ runs dealt with; \d+ runs \(4xx such as a missing field\) wait for a person\.$/,
    );
  });

  it("prints readable text, not JSON-RPC or JSON dumps", () => {
    expect(run.stdout).not.toMatch(/jsonrpc/i);
    expect(run.stdout).not.toMatch(/"(?:method|result|id|messages|workflowRuns)"\s*:/);
    expect(lines.some((line) => /^\s*[[{]/.test(line))).toBe(false);
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(lines.length).toBeLessThanOrEqual(90);
  });
});

/** The lines under a heading, up to the next one, blank lines left out. */
function section(lines: readonly string[], heading: string): string[] {
  const start = lines.findIndex((line) => line.startsWith(heading));
  const end = lines.findIndex((line, index) => index > start && line.startsWith("== "));
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((line) => line.trim() !== "");
}
