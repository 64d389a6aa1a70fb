// @ts-check
/**
 * An on-call walkthrough against the sandbox: see what failed and why, leave alone what would
 * only fail again (a 4xx such as 422 "order already fulfilled"), preview before acting, resume
 * the retryable runs by id under flow control in bounded calls, and check what is left.
 * It talks to the built server over stdio exactly as an MCP client would.
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const SERVER_ENTRY = fileURLToPath(new URL("../dist/index.js", import.meta.url));
/** A cursor that keeps coming back must not keep the demo running forever. */
const MAX_RESUME_CALLS = 100;

/**
 * @typedef {{ dlqId: string, workflowUrl?: string, label?: string, responseStatus?: number, responseBody?: string }} Message
 * @typedef {{ messages: Message[], returned: number, pages: number, cursor?: string, stopReason: string }} ListResult
 * @typedef {{ workflowRunId: string, workflowCreatedAt: number }} WorkflowRun
 * @typedef {{ workflowRuns: WorkflowRun[], resumed: number, pages: number, cursor?: string, stopReason: string,
 *   notFound?: string[], error?: { message: string } }} ResumeResult
 * @typedef {{ summary: string, data: unknown }} ToolOutcome
 * @typedef {{ value: string, count: number }[]} Groups
 * @typedef {{ byWorkflowUrl: Groups, byLabel: Groups, byResponseStatus: Groups }} Summary
 */

class DemoFailure extends Error {}

const transport = new StdioClientTransport({
  command: process.execPath,
  // The drill ends by checking the DLQ is empty, so no resumed run may fail again and come back.
  args: [SERVER_ENTRY, "--sandbox", "--refail-share", "0"],
  stderr: "pipe",
});
let serverStderr = "";
transport.stderr?.on("data", (/** @type {Buffer} */ chunk) => {
  serverStderr += chunk.toString("utf8");
});
const client = new Client({ name: "workflow-dlq-mcp-demo", version: "0.0.0" });

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
 * @returns {Promise<{ messages: Message[], summaries: string[] }>}
 */
async function listEverything() {
  /** @type {Message[]} */
  const messages = [];
  const summaries = [];
  /** @type {string | undefined} */
  let cursor;
  do {
    const { summary, data } = await call("dlq_list", {
      count: 100,
      maxPages: 100,
      ...(cursor ? { cursor } : {}),
    });
    const listed = /** @type {ListResult} */ (data);
    messages.push(...listed.messages);
    summaries.push(summary);
    cursor = listed.cursor;
  } while (cursor);
  return { messages, summaries };
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

  heading("1. What is in the DLQ?");
  // One call: the server reads the whole DLQ and groups it; only a sample of messages comes back.
  const overview = await call("dlq_list", { summary: true, count: 100, maxPages: 100 });
  const listing = /** @type {ListResult & { summary: Summary }} */ (overview.data);
  say(`  ${readable(overview.summary)}`);
  const total = listing.returned;
  say(`  ${total} failed runs waiting.`);
  if (total < 3) throw new DemoFailure(`The sandbox DLQ holds only ${total} entries; the drill needs a few.`);
  const groups = listing.summary;
  printGroups(
    "by workflow",
    groups.byWorkflowUrl.map((group) => [shortPath(group.value), group.count]),
  );
  printGroups(
    "by label",
    groups.byLabel.map((group) => [group.value === "(none)" ? "(no label)" : group.value, group.count]),
  );
  printGroups(
    "by response status",
    groups.byResponseStatus.map((group) => [
      group.value === "(none)" ? "(none)" : `HTTP ${group.value}`,
      group.count,
    ]),
  );

  // Everything, page by page: the statuses decide what is worth resuming.
  const everything = await listEverything();
  const retryable = everything.messages.filter(isRetryable);
  const leave = everything.messages.filter((message) => !isRetryable(message));

  heading("2. Which failures are worth retrying?");
  say(`  ${retryable.length} failed with 5xx or 429: the downstream was down or busy; resuming can succeed.`);
  const example = leave.find((message) => message.responseStatus === 422) ?? leave[0];
  say(
    `  ${leave.length} failed with another status${example ? `, e.g. HTTP ${example.responseStatus} ${preview(example.responseBody)}` : ""}:`,
  );
  say("  resuming those would fail the same way, so they stay in the DLQ for a person to decide.");

  heading("3. Resume two retryable runs by id");
  const picked = retryable.slice(0, 2);
  say(`  Picked ${picked.map((m) => `${m.dlqId} (HTTP ${m.responseStatus})`).join(" and ")}`);
  const byId = await call("dlq_resume", { dlqIds: picked.map((m) => m.dlqId) });
  const byIdResult = /** @type {ResumeResult} */ (byId.data);
  say(`  ${readable(byId.summary)}`);
  for (const run of byIdResult.workflowRuns) say(`  new run ${run.workflowRunId}`);

  heading("4. Preview a label before resuming it");
  const largest = groups.byLabel.find((group) => group.value !== "(none)");
  if (largest === undefined) throw new DemoFailure("No labelled entries to preview.");
  const label = largest.value;
  // The dry run resolves the same filter and resumes nothing.
  const dryRun = await call("dlq_resume", { filter: { label }, dryRun: true, maxPages: 100 });
  const previewed = /** @type {ResumeResult & { preview: { matched: number, summary: Summary } }} */ (
    dryRun.data
  ).preview;
  say(`  "${label}" is the largest label. ${readable(dryRun.summary)}`);
  const notRetryable = previewed.summary.byResponseStatus
    .filter((group) => !isRetryableStatus(Number(group.value)))
    .reduce((sum, group) => sum + group.count, 0);
  say(`  ${notRetryable} of those ${previewed.matched} failed with a status that would fail again:`);
  say("  a filter would resume them too, so the retryable ones go by id.");

  heading("5. Resume the retryable rest by id, throttled, in bounded calls");
  const pending = retryable.slice(2).map((message) => message.dlqId);
  const flowControl = { key: "dlq-redrive-demo", rate: 20, period: "1s", parallelism: 10 };
  say(
    `  ${pending.length} ids; flowControl ${flowControl.key}: ${flowControl.rate}/${flowControl.period}, parallelism ${flowControl.parallelism}; retries 2; maxPages 3`,
  );
  let resumedRest = 0;
  /** @type {string | undefined} */
  let cursor;
  let calls = 0;
  do {
    if (++calls > MAX_RESUME_CALLS) {
      throw new DemoFailure(`dlq_resume still returned a cursor after ${MAX_RESUME_CALLS} calls.`);
    }
    const { summary, data } = await call("dlq_resume", {
      dlqIds: pending,
      flowControl,
      retries: 2,
      maxPages: 3,
      ...(cursor ? { cursor } : {}),
    });
    const result = /** @type {ResumeResult} */ (data);
    resumedRest += result.resumed;
    cursor = result.cursor;
    say(
      `  call ${calls}: resumed ${String(result.resumed).padStart(3)}, ${cursor ? "cursor returned" : "no cursor"}`,
    );
    say(`    ${readable(summary)}`);
  } while (cursor);

  heading("6. Verify: only the runs that must not run again remain");
  const after = await listEverything();
  say(`  Listed ${after.messages.length} entries in ${after.summaries.length} calls.`);
  const resumedTotal = byIdResult.resumed + resumedRest;
  say(`  by id ${byIdResult.resumed} + throttled ${resumedRest} = ${resumedTotal} resumed`);
  say(`  ${total} entries at the start, ${resumedTotal} resumed, ${after.messages.length} entries remain.`);
  const stillRetryable = after.messages.filter(isRetryable);
  if (stillRetryable.length !== 0) {
    throw new DemoFailure(`${stillRetryable.length} retryable entries are still in the DLQ.`);
  }
  if (resumedTotal !== retryable.length || after.messages.length !== leave.length) {
    throw new DemoFailure(
      `Resumed ${resumedTotal} of ${retryable.length} retryable runs; ${after.messages.length} entries remain, ${leave.length} expected.`,
    );
  }
  say(`\nDone: every retryable run was resumed under flow control; ${leave.length} runs wait for a person.`);
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
