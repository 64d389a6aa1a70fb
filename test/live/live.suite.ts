/**
 * What `npm run test:live` runs (through scripts/live.mjs, which turns `--write` and `--save DIR`
 * into WORKFLOW_DLQ_MCP_LIVE_WRITE and WORKFLOW_DLQ_MCP_LIVE_SAVE): the live suite against real
 * QStash when QSTASH_TOKEN is set, else against the emulator in this process.
 */
import { expect, it } from "vitest";
import { liveTarget, runLiveSuite } from "./scenarios.js";

const write = /^(1|true|yes)$/i.test(process.env.WORKFLOW_DLQ_MCP_LIVE_WRITE ?? "");
const saveDir = process.env.WORKFLOW_DLQ_MCP_LIVE_SAVE?.trim() || undefined;

it(`the live suite${write ? " with --write" : ""}`, async () => {
  const target = await liveTarget();
  try {
    const report = await runLiveSuite(target, { write, saveDir, log: (line) => console.log(line) });
    if (report.saved.length > 0) console.log(`${report.saved.length} fixtures written to ${saveDir}.`);
    const names = report.failed.map((check) => `${check.name}: ${check.detail}`);
    expect(names, "checks that failed").toEqual([]);
  } finally {
    await target.close();
  }
});
