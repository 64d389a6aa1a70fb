// @ts-check
/**
 * An on-call walkthrough against the sandbox: see what failed, resume a couple of runs by hand,
 * drain one label under flow control, then the rest in bounded calls, and check nothing is left.
 * It talks to the built server over stdio exactly as an MCP client would.
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const SERVER_ENTRY = fileURLToPath(new URL("../dist/index.js", import.meta.url));
/** A cursor that keeps coming back must not keep the demo running forever. */
const MAX_RESUME_ALL_CALLS = 100;

/**
 * @typedef {{ dlqId: string, workflowUrl?: string, label?: string, responseStatus?: number }} Message
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
  const before = { messages: listing.messages };

  heading("2. Resume two runs by id");
  const picked = before.messages.slice(0, 2);
  say(`  Picked ${picked.map((m) => `${m.dlqId} (${m.label ?? "no label"})`).join(" and ")}`);
  const byId = await call("dlq_resume", { dlqIds: picked.map((m) => m.dlqId) });
  const byIdResult = /** @type {ResumeResult} */ (byId.data);
  say(`  ${readable(byId.summary)}`);
  for (const run of byIdResult.workflowRuns) say(`  new run ${run.workflowRunId}`);

  heading("3. Resume one label, throttled");
  const largest = groups.byLabel.find((group) => group.value !== "(none)");
  if (largest === undefined) throw new DemoFailure("No labelled entries to resume by label.");
  const label = largest.value;
  // Preview first: the dry run resolves the same filter and resumes nothing.
  const preview = await call("dlq_resume", { filter: { label }, dryRun: true, maxPages: 100 });
  const matched = /** @type {ResumeResult & { preview: { matched: number } }} */ (preview.data).preview
    .matched;
  say(`  "${label}" is the largest label. ${readable(preview.summary)}`);
  const flowControl = { key: `${label}-recovery`, rate: 10, period: "1s", parallelism: 5 };
  say(
    `  flowControl ${flowControl.key}: ${flowControl.rate}/${flowControl.period}, parallelism 5; retries 2`,
  );
  /** @type {ResumeResult[]} */
  const labelResults = [];
  /** @type {string | undefined} */
  let labelCursor;
  do {
    const { summary, data } = await call("dlq_resume", {
      filter: { label },
      flowControl,
      retries: 2,
      maxPages: 50,
      ...(labelCursor ? { cursor: labelCursor } : {}),
    });
    say(`  ${readable(summary)}`);
    const result = /** @type {ResumeResult} */ (data);
    labelResults.push(result);
    labelCursor = result.cursor;
  } while (labelCursor);
  const byLabel = labelResults.reduce((sum, result) => sum + result.resumed, 0);
  say(`  Resumed ${byLabel} "${label}" runs.`);
  if (byLabel !== matched)
    throw new DemoFailure(`The dry run found ${matched} "${label}" entries, but ${byLabel} were resumed.`);

  heading("4. Resume everything else in bounded calls (maxPages 3)");
  let resumedAll = 0;
  /** @type {string | undefined} */
  let cursor;
  let calls = 0;
  do {
    if (++calls > MAX_RESUME_ALL_CALLS) {
      throw new DemoFailure(`dlq_resume_all still returned a cursor after ${MAX_RESUME_ALL_CALLS} calls.`);
    }
    const { summary, data } = await call("dlq_resume_all", { maxPages: 3, ...(cursor ? { cursor } : {}) });
    const result = /** @type {ResumeResult} */ (data);
    resumedAll += result.resumed;
    cursor = result.cursor;
    say(
      `  call ${calls}: resumed ${String(result.resumed).padStart(3)}, ${cursor ? "cursor returned" : "no cursor"}`,
    );
    say(`    ${readable(summary)}`);
  } while (cursor);

  heading("5. Verify the DLQ is empty");
  const after = await listEverything();
  say(`  ${readable(after.summaries.at(-1) ?? "")}`);
  const resumedTotal = byIdResult.resumed + byLabel + resumedAll;
  say(
    `  by id ${byIdResult.resumed} + label "${label}" ${byLabel} + resume_all ${resumedAll} = ${resumedTotal}`,
  );
  say(`  ${total} entries at the start, ${resumedTotal} resumed, ${after.messages.length} entries remain.`);
  if (after.messages.length !== 0) {
    throw new DemoFailure(`The DLQ still holds ${after.messages.length} entries after resuming everything.`);
  }
  if (resumedTotal !== total) {
    throw new DemoFailure(`Resumed ${resumedTotal} runs, but the DLQ held ${total}.`);
  }
  say("\nDone: every failed run was resumed and the DLQ is empty.");
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
