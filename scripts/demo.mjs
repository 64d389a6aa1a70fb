// @ts-check
/**
 * An on-call walkthrough against the sandbox: see what failed and why, grouped by error; delete
 * what must never run again (422 "order already fulfilled"); restart the runs whose code has been
 * fixed before the failed step; inspect why the 5xx ones failed; resume them with `where` under a
 * dedicated flow-control key at a rate, tagged with a label; watch the waitlist drain, pause it
 * when the downstream falls over and let it go again; check with workflow_runs that the redrive
 * worked; say yes when the server asks before a large change; and see what is left for a person.
 * It talks to the built server over stdio exactly as an MCP client would, one that can show the
 * user a question (form elicitation), as Claude Code, VS Code and Cursor do.
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const SERVER_ENTRY = fileURLToPath(new URL("../dist/index.js", import.meta.url));
/** A cursor that keeps coming back must not keep the demo running forever. */
const MAX_CALLS = 100;
/** Readings of a draining waitlist or of runs still running, before the demo gives up. */
const MAX_POLLS = 200;

/**
 * @typedef {{ dlqId: string, workflowUrl?: string, label?: string, responseStatus?: number, responseBody?: string }} Message
 * @typedef {{ messages: Message[], returned: number, pages: number, cursor?: string, stopReason: string }} ListResult
 * @typedef {{ resumed?: number, restarted?: number, deleted?: number, cursor?: string, stopReason: string,
 *   preview?: { matched: number } }} ActionResult
 * @typedef {{ summary: string, data: unknown }} ToolOutcome
 * @typedef {{ value: string, count: number }[]} Groups
 * @typedef {{ shape: string, count: number }[]} ErrorGroups
 * @typedef {{ byWorkflowUrl: Groups, byLabel: Groups, byResponseStatus: Groups, byError: ErrorGroups }} Summary
 */

class DemoFailure extends Error {}

const transport = new StdioClientTransport({
  command: process.execPath,
  // The drill ends by checking the DLQ is empty, so no resumed run may fail again and come back.
  // Resumed runs run at their key's pace, twice as fast as real time so the drill stays short.
  args: [SERVER_ENTRY, "--sandbox", "--refail-share", "0", "--speed-up", "2"],
  stderr: "pipe",
});
let serverStderr = "";
transport.stderr?.on("data", (/** @type {Buffer} */ chunk) => {
  serverStderr += chunk.toString("utf8");
});
const client = new Client(
  { name: "workflow-dlq-mcp-demo", version: "0.0.0" },
  { capabilities: { elicitation: { form: {} } } },
);
/** Questions the server asked before large changes; the demo's "user" agrees to each. */
const asked = [];
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  const question = request.params.message;
  asked.push(question);
  say(`  the server asks: ${question}`);
  say("  the user: yes");
  return { action: "accept", content: { confirm: true } };
});

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** @param {string} text */
const say = (text = "") => process.stdout.write(`${text}\n`);
/** @param {string} title */
const heading = (title) => say(`\n== ${title} ==`);

/**
 * Calls a tool and fails the demo on anything but a complete, successful answer.
 * @param {string} name
 * @param {Record<string, unknown>} args
 * @returns {Promise<ToolOutcome>}
 */
async function call(name, args) {
  const result = await client.callTool({ name, arguments: args });
  const content = /** @type {{ type: string, text?: string }[]} */ (result.content ?? []);
  const summary = content.find((part) => part.type === "text")?.text ?? "(no summary)";
  if (result.isError) throw new DemoFailure(`${name} returned an error: ${summary}`);
  const data = /** @type {{ stopReason?: string } | undefined} */ (result.structuredContent);
  if (data === undefined) throw new DemoFailure(`${name} returned no structured result: ${summary}`);
  if (data.stopReason === "error" || data.stopReason === "cancelled") {
    throw new DemoFailure(`${name} stopped early (${data.stopReason}): ${summary}`);
  }
  return { summary, data };
}

/**
 * Reads the whole DLQ: one call normally does it, the cursor covers a DLQ larger than maxPages.
 * @returns {Promise<Message[]>}
 */
async function listEverything() {
  /** @type {Message[]} */
  const messages = [];
  /** @type {string | undefined} */
  let cursor;
  do {
    const { data } = await call("dlq_list", { count: 100, maxPages: 100, ...(cursor ? { cursor } : {}) });
    const listed = /** @type {ListResult} */ (data);
    messages.push(...listed.messages);
    cursor = listed.cursor;
  } while (cursor);
  return messages;
}

/**
 * Calls an action until its cursor runs out; a continuation is never asked about again.
 * @param {string} name
 * @param {Record<string, unknown>} args
 * @param {"resumed" | "restarted" | "deleted"} counted
 */
async function drain(name, args, counted) {
  let total = 0;
  /** @type {string | undefined} */
  let cursor;
  let calls = 0;
  do {
    if (++calls > MAX_CALLS)
      throw new DemoFailure(`${name} still returned a cursor after ${MAX_CALLS} calls.`);
    const { summary, data } = await call(name, { ...args, ...(cursor ? { cursor } : {}) });
    const result = /** @type {ActionResult} */ (data);
    if (result.stopReason === "unconfirmed" || result.stopReason === "declined") {
      throw new DemoFailure(`${name} was not confirmed: ${summary}`);
    }
    total += result[counted] ?? 0;
    cursor = result.cursor;
    say(`  call ${calls}: ${readable(summary)}${cursor ? "" : " No cursor: done."}`);
  } while (cursor);
  return { total, calls };
}

/**
 * @param {string} title
 * @param {[string, number][]} groups
 */
function printGroups(title, groups) {
  say(`  ${title}:`);
  const width = Math.max(...groups.map(([key]) => key.length));
  for (const [key, count] of groups) say(`    ${key.padEnd(width)}  ${String(count).padStart(4)}`);
}

/** @param {string} url */
function shortPath(url) {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** The tool's summary carries the whole cursor; a few characters are enough to read along. */
/** @param {string} summary */
const readable = (summary) => summary.replace(/cursor "([^"]{12})[^"]+"/g, 'cursor "$1…"');

async function main() {
  try {
    await client.connect(transport);
  } catch (error) {
    const log = serverStderr ? `\nserver log:\n${serverStderr.trimEnd()}` : "";
    throw new DemoFailure(
      `could not start the server (${error instanceof Error ? error.message : String(error)}); build it first with npm run build.${log}`,
    );
  }
  const server = client.getServerVersion();
  const tools = (await client.listTools()).tools.map((tool) => tool.name);
  say("On-call drill: draining the Upstash Workflow DLQ (local sandbox, nothing real is touched)");
  say(`Connected to ${server?.name ?? "server"} ${server?.version ?? ""}; tools: ${tools.join(", ")}`);

  heading("1. What is in the DLQ, and why?");
  // One call: the server reads the whole DLQ and groups it; only a sample of messages comes back.
  const overview = await call("dlq_list", { summary: true, count: 100, maxPages: 100 });
  const listing = /** @type {ListResult & { summary: Summary }} */ (overview.data);
  say(`  ${readable(overview.summary)}`);
  const total = listing.returned;
  if (total < 3) throw new DemoFailure(`The sandbox DLQ holds only ${total} entries; the drill needs a few.`);
  const groups = listing.summary;
  printGroups(
    "by workflow",
    groups.byWorkflowUrl.map((group) => [shortPath(group.value), group.count]),
  );
  printGroups(
    "by response status",
    groups.byResponseStatus.map((group) => [
      group.value === "(none)" ? "(none)" : `HTTP ${group.value}`,
      group.count,
    ]),
  );
  printGroups(
    "by error",
    groups.byError.map((group) => [preview(group.shape), group.count]),
  );
  const before = await listEverything();
  const fulfilled = before.filter((m) => /already fulfilled/i.test(m.responseBody ?? ""));
  const broken = before.filter((m) => /TypeError/.test(m.responseBody ?? ""));
  const retryable = before.filter((m) => isRetryable(m) && !broken.includes(m));
  const forPerson = before.length - fulfilled.length - broken.length - retryable.length;

  heading("2. Delete what must never run again");
  say(
    `  ${fulfilled.length} runs failed with 422 "order already fulfilled": running them again would only fail again.`,
  );
  const fulfilledWhere = { responseBodyContains: "already fulfilled" };
  const dryDelete = await call("dlq_delete", { all: true, where: fulfilledWhere, dryRun: true });
  say(`  ${readable(dryDelete.summary)}`);
  const deleted = await drain("dlq_delete", { all: true, where: fulfilledWhere }, "deleted");

  heading("3. Restart the runs whose code was fixed");
  say(`  ${broken.length} runs hit a TypeError in code that has since been fixed and redeployed;`);
  say("  the fix changed earlier steps, so they start again from their first step.");
  const restarted = await drain(
    "dlq_restart",
    {
      all: true,
      where: { responseBodyContains: "TypeError" },
      flowControl: { key: "demo-restart-1", rate: 20 },
    },
    "restarted",
  );

  heading("4. Why did the 5xx runs fail?");
  const sample = retryable.slice(0, 2).map((message) => message.dlqId);
  const inspected = await call("dlq_inspect", { dlqIds: sample });
  for (const line of inspected.summary.split("\n")) say(`  ${line}`);

  heading("5. Resume the 5xx and 429 runs under a dedicated key, at a rate the downstream can take");
  const flowControl = { key: "demo-redrive-1", rate: 20, period: "1s", parallelism: 10 };
  const label = "incident-demo-1";
  say(
    `  flowControl ${flowControl.key}: ${flowControl.rate}/${flowControl.period}, parallelism ${flowControl.parallelism}; label ${label}`,
  );
  const retryableWhere = { responseStatus: ["5xx", 429] };
  const dryResume = await call("dlq_resume_all", { where: retryableWhere, flowControl, label, dryRun: true });
  say(`  ${readable(dryResume.summary)}`);
  const resumed = await drain("dlq_resume_all", { where: retryableWhere, flowControl, label }, "resumed");

  heading("6. Watch it drain; pause when the downstream falls over; let it go again");
  const waiting = async () => {
    const { summary, data } = await call("flow_control_status", { key: flowControl.key });
    const [key] = /** @type {{ keys: { waitlistSize: number, paused?: boolean }[] }} */ (data).keys;
    return { summary, size: key?.waitlistSize ?? 0, paused: key?.paused ?? false };
  };
  let reading = await waiting();
  say(`  ${reading.summary}`);
  await sleep(400);
  reading = await waiting();
  say(`  ${reading.summary}`);
  if (reading.size === 0) throw new DemoFailure("The waitlist drained before the demo could pause it.");
  say("  The downstream answers 503 again: pause the key, so the waiting runs stay waiting.");
  const paused = await call("flow_control_update", { key: flowControl.key, action: "pause" });
  say(`  ${paused.summary}`);
  const heldAt = (await waiting()).size;
  await sleep(600);
  const held = await waiting();
  say(`  600 ms later: ${held.summary}`);
  if (held.size !== heldAt || !held.paused) throw new DemoFailure("The paused key kept delivering.");
  say("  The downstream is back: resume the key.");
  const released = await call("flow_control_update", { key: flowControl.key, action: "resume" });
  say(`  ${released.summary}`);
  for (let polls = 0; reading.size > 0 || reading.paused; polls++) {
    if (polls > MAX_POLLS) throw new DemoFailure("The waitlist never drained.");
    await sleep(250);
    reading = await waiting();
  }
  say(`  ${reading.summary}`);

  heading("7. Did the redrive work?");
  /** @type {{ runs: number, counts: Record<string, number> }} */
  let outcome = { runs: 0, counts: {} };
  let outcomeSummary = "";
  for (let polls = 0; ; polls++) {
    if (polls > MAX_POLLS) throw new DemoFailure("Resumed runs never finished.");
    const { summary, data } = await call("workflow_runs", { label });
    outcome = /** @type {typeof outcome} */ (data);
    outcomeSummary = summary;
    if (!outcome.counts.RUN_STARTED) break;
    await sleep(200);
  }
  say(`  workflow_runs {label: "${label}"}: ${outcomeSummary}`);
  if (outcome.runs !== resumed.total || outcome.counts.RUN_SUCCESS !== resumed.total) {
    throw new DemoFailure(`Expected ${resumed.total} runs to succeed; the logs say: ${outcomeSummary}`);
  }

  heading("8. Verify: only the runs a person must decide on remain");
  const after = await listEverything();
  say(
    `  deleted ${deleted.total}, restarted ${restarted.total}, resumed ${resumed.total}; the server asked ${asked.length} times.`,
  );
  say(`  ${total} entries at the start, ${after.length} entries remain.`);
  const changed = deleted.total + restarted.total + resumed.total;
  if (
    deleted.total !== fulfilled.length ||
    restarted.total !== broken.length ||
    resumed.total !== retryable.length
  ) {
    throw new DemoFailure(
      `Expected to delete ${fulfilled.length}, restart ${broken.length} and resume ${retryable.length}; did ${deleted.total}, ${restarted.total} and ${resumed.total}.`,
    );
  }
  if (after.length !== forPerson || changed + after.length !== total) {
    throw new DemoFailure(`${after.length} entries remain, ${forPerson} expected.`);
  }
  say(
    `\nDone: ${changed} runs dealt with; ${after.length} runs (4xx such as a missing field) wait for a person.`,
  );
}

/** @param {number} status */
function isRetryableStatus(status) {
  return status >= 500 || status === 429;
}

/** @param {Message} message */
function isRetryable(message) {
  return message.responseStatus !== undefined && isRetryableStatus(message.responseStatus);
}

/** @param {string | undefined} body */
function preview(body) {
  if (!body) return "";
  return body.length > 60 ? `${body.slice(0, 60)}…` : body;
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`\ndemo failed: ${message}\n`);
  if (!(error instanceof DemoFailure) && serverStderr) process.stderr.write(`server log:\n${serverStderr}`);
} finally {
  await client.close();
}
