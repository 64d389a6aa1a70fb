/**
 * Hostile tool arguments, run: thousands of generated calls through one tool (test/hostile/calls.ts
 * draws them from the tool's generator in test/tools/<tool>/input.arbitrary.ts), every answer
 * checked against the oracle (test/hostile/oracle.ts), and what the run saw counted.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { ToolName } from "../../src/tools/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { SEED_OPTIONS } from "../support/data.js";
import { TEST_TOKEN } from "../support/harness.js";
import { serveInMemory } from "../support/in-memory.js";
import { boundValidCall, callArbitrary, type GeneratedCall } from "./calls.js";
import type { Seeds } from "./fields.js";
import {
  CALL_BOUND_MS,
  checkObservation,
  judge,
  type Observation,
  preview,
  textOf,
  type Verdict,
} from "./oracle.js";
import type { Args } from "./values.js";

export interface RunStats {
  calls: number;
  byCategory: Record<string, number>;
  valid: number;
  invalid: number;
  validErrors: number;
  requests: number;
  maxMs: number;
  totalMs: number;
  maxErrorText: number;
  /** How valid calls that still ended in a tool error were answered, by their first words. */
  validErrorKinds: Record<string, number>;
  /** Wall time per category, calls and checks included. */
  msByCategory: Record<string, number>;
  /** The slowest answer, to tell a slow path from a busy machine. */
  slowest?: string;
}

export function newStats(): RunStats {
  return {
    calls: 0,
    byCategory: {},
    valid: 0,
    invalid: 0,
    validErrors: 0,
    requests: 0,
    maxMs: 0,
    totalMs: 0,
    maxErrorText: 0,
    validErrorKinds: {},
    msByCategory: {},
  };
}

export function record(stats: RunStats, observation: Observation): void {
  stats.calls += 1;
  stats.byCategory[observation.call.category] = (stats.byCategory[observation.call.category] ?? 0) + 1;
  if (observation.verdict.valid) {
    stats.valid += 1;
    if (observation.result.isError) {
      stats.validErrors += 1;
      const kind = textOf(observation.result)
        .replace(/[("].*$/s, "")
        .slice(0, 60)
        .trim();
      stats.validErrorKinds[kind] = (stats.validErrorKinds[kind] ?? 0) + 1;
    }
  } else {
    stats.invalid += 1;
    stats.maxErrorText = Math.max(stats.maxErrorText, textOf(observation.result).length);
  }
  stats.requests += observation.requests;
  if (observation.elapsedMs > stats.maxMs) {
    stats.maxMs = observation.elapsedMs;
    const text = textOf(observation.result);
    stats.slowest = `${observation.call.category}, ${observation.requests} requests: ${preview(observation.call.args).slice(0, 160)} => ${text.slice(0, 120)}`;
  }
  stats.totalMs += observation.elapsedMs;
}

export function describeStats(tool: ToolName, stats: RunStats): string {
  const list = (counts: Record<string, number>, digits = 0) =>
    Object.entries(counts)
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => `${name} ${count.toFixed(digits)}`)
      .join(", ");
  return [
    `${tool}: ${stats.calls} calls (${list(stats.byCategory)})`,
    `${stats.valid} valid, ${stats.validErrors} of them answered with a tool error (${list(stats.validErrorKinds)})`,
    `${stats.invalid} invalid; ${stats.requests} QStash requests in all`,
    `slowest answer ${stats.maxMs.toFixed(1)} ms (${stats.slowest ?? "none"}), mean ${(stats.totalMs / Math.max(1, stats.calls)).toFixed(2)} ms`,
    `ms per category (generation, oracle, call and checks): ${list(stats.msByCategory)}`,
    `longest error text ${stats.maxErrorText} chars`,
  ].join("\n  ");
}

export type CallTool = (tool: ToolName, args: Args) => Promise<CallToolResult>;

/** Sends one generated call and measures it; throws only if the call itself rejects. */
export async function observe(
  callTool: CallTool,
  tool: ToolName,
  call: GeneratedCall,
  verdict: Verdict,
  requestCount: () => number,
): Promise<Observation> {
  const started = performance.now();
  let result: CallToolResult;
  try {
    result = await callTool(tool, call.args);
  } catch (error) {
    throw new Error(
      `the call was rejected instead of answered: ${(error as Error).message}\ntool: ${tool} (${call.category})\nargs: ${preview(call.args)}`,
    );
  }
  const elapsedMs = performance.now() - started;
  return { tool, call, verdict, result, elapsedMs, requests: requestCount() };
}

export interface PropertyRun {
  tool: ToolName;
  runs: number;
  seeds: Seeds;
  /** Whether the arguments travel as JSON (stdio) or as objects (in memory). */
  overJson: boolean;
  callTool: CallTool;
  emulator: Pick<Emulator, "requests" | "clearRequests" | "store">;
  /** What to load when valid resumes have drained the DLQ. */
  refill: readonly DlqMessage[];
  /** fast-check seed, to replay a reported failure. */
  seed?: number;
}

/** Below this many entries the emulator is refilled, so valid resumes keep finding work. */
const REFILL_BELOW = 40;

/** Drives `runs` generated calls through one tool, checking every answer; returns what it saw. */
export async function runHostileProperty(run: PropertyRun): Promise<RunStats> {
  const { tool, emulator } = run;
  const stats = newStats();
  let lap = performance.now();
  await fc.assert(
    fc.asyncProperty(callArbitrary(tool, run.seeds), async (generated) => {
      let call = generated;
      let verdict = judge(tool, call.args, run.overJson);
      if (verdict.valid) {
        call = boundValidCall(tool, generated);
        verdict = judge(tool, call.args, run.overJson);
        // The store never changes a message it holds, so a refill can share these objects
        // instead of regenerating or cloning them, which would otherwise dominate the run.
        if (emulator.store.size < REFILL_BELOW) emulator.store.load(run.refill);
      }
      emulator.clearRequests();
      const observation = await observe(run.callTool, tool, call, verdict, () => emulator.requests.length);
      record(stats, observation);
      checkObservation(observation);
      const now = performance.now();
      stats.msByCategory[call.category] = (stats.msByCategory[call.category] ?? 0) + now - lap;
      lap = now;
    }),
    { numRuns: run.runs, ...(run.seed === undefined ? {} : { seed: run.seed }) },
  );
  return stats;
}

export interface InMemoryFixture {
  client: Client;
  emulator: Emulator;
  call: CallTool;
  close: () => Promise<void>;
}

/**
 * A real server from createServer, reached through the SDK's in-memory transport, its QStash
 * client pointed at a real emulator on an ephemeral loopback port.
 */
export async function startInMemory(): Promise<InMemoryFixture> {
  const emulator = await startEmulator({ token: TEST_TOKEN, ...SEED_OPTIONS });
  const served = await serveInMemory({
    qstashUrl: emulator.url,
    name: "hostile-input",
    timeoutMs: CALL_BOUND_MS,
  });
  return {
    client: served.client,
    emulator,
    call: served.call,
    close: async () => {
      await served.close();
      await emulator.close();
    },
  };
}
