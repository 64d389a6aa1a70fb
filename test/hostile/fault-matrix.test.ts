/**
 * Every fault the emulator can inject, on the first, a middle and the last page of a resume, in
 * filter, all and id-list mode, hitting the page once (its retry passes) or on every attempt.
 * Each case is judged against the emulator's ground truth, then continued to the end.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  type CaseReport,
  FixturePool,
  type MatrixCase,
  type ModeName,
  matrixCases,
  runMatrixCase,
} from "./faults-support.js";

/** Cases share a few servers; most of a case is spent waiting on backoffs and timeouts. */
const SERVERS = 4;
const MODE_NAMES: readonly ModeName[] = ["filter", "all", "ids"];

let pool: FixturePool;
const reports: CaseReport[] = [];
let started = 0;

beforeAll(async () => {
  started = performance.now();
  pool = await FixturePool.start(SERVERS);
});

afterAll(async () => {
  await pool?.close();
  if (process.env.FAULT_MATRIX_TIMINGS) {
    const slowest = [...reports]
      .map((report) => ({ name: report.name, ms: Math.max(...report.callsMs) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5);
    console.log(
      `fault matrix: ${reports.length} cases in ${Math.round(performance.now() - started)} ms; slowest calls:`,
      slowest.map((entry) => `${entry.name} ${Math.round(entry.ms)} ms`),
    );
  }
});

describe.concurrent.each(MODE_NAMES)("%s mode", (mode) => {
  it.each(matrixCases(mode))("$name", async (c: MatrixCase) => {
    const report = await pool.use((fixture) => runMatrixCase(fixture, c));
    reports.push({ ...report, name: `${mode}: ${report.name}` });
  });
});
