// @ts-check
// `npm run test:live [-- --write] [-- --save DIR]`: the live suite (test/live/) against real
// QStash when QSTASH_TOKEN is set (QSTASH_URL when not the default), else against the emulator.
// Read-only unless --write; --save DIR writes each raw answer as a JSON fixture. The flags become
// environment variables of the vitest run that carries the suite.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const usage = `Usage: npm run test:live [-- --write] [-- --save DIR]

Runs the live suite against real QStash when QSTASH_TOKEN is set (and QSTASH_URL when not the
default), else against a local emulator. Read-only unless --write: it lists, reads one entry,
summarises, inspects, reads the logs and every flow-control key. With --write it triggers a few
runs that fail, under a label and flow-control key of its own, resumes, pauses and deletes them,
and touches nothing else. --save DIR writes every raw answer as a JSON fixture (also
WORKFLOW_DLQ_MCP_LIVE_SAVE).`;

/** @type {{ write?: boolean, save?: string, help?: boolean }} */
let values;
try {
  values = parseArgs({
    options: { write: { type: "boolean" }, save: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  }).values;
} catch (error) {
  process.stderr.write(`${/** @type {Error} */ (error).message}\n\n${usage}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env };
if (values.write) env.WORKFLOW_DLQ_MCP_LIVE_WRITE = "1";
if (values.save) env.WORKFLOW_DLQ_MCP_LIVE_SAVE = resolve(values.save);
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const run = spawnSync(process.execPath, [vitest, "run", "--config", "vitest.live.config.ts"], {
  cwd: root,
  env,
  stdio: "inherit",
});
process.exit(run.status ?? 1);
