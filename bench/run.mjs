// @ts-check
// `npm run bench`: the server against the local emulator with 5 ms of latency per request, each
// figure a ratio to a reference measured side by side in the same run. Prints a markdown table
// and writes it to bench/RESULTS.md. Timings never fail anything: this is a report, not a test.
// `--quick` runs smaller sizes and fewer rounds; `--smoke` runs tiny ones, one round each, so the
// suite can check every figure is still produced (both leave RESULTS.md alone). `--only d` (or
// `--only a,d`) runs just those benchmarks.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as WorkflowClient } from "@upstash/workflow";
import { Pool } from "undici";

const SERVER = new URL("../dist/index.js", import.meta.url).pathname;
const MINIMAL = new URL("./minimal-server.mjs", import.meta.url).pathname;
const TOKEN = "bench_token";
const LATENCY_MS = 5;
/** @type {{ name: string, ours: string, reference: string, ratio: string, target: string, met: string, note: string }[]} */
const rows = [];
const smoke = process.argv.includes("--smoke");
const quick = smoke || process.argv.includes("--quick");
/** `--only d` (or `--only a,d`) runs just those benchmarks; a partial run leaves RESULTS.md alone. */
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt < 0 ? undefined : (process.argv[onlyAt + 1] ?? "").split(",");
/** @param {string} letter */
const runs = (letter) => !only || only.includes(letter);
/** Sizes and rounds of each mode: the full run, `--quick`, and `--smoke`. */
const SIZES = smoke
  ? {
      rounds: 1,
      filter: 200,
      idLists: [200],
      startups: 1,
      singles: 20,
      memory: 1_000,
      drain: 1_000,
      counted: 1_000,
    }
  : quick
    ? {
        rounds: 3,
        filter: 2_000,
        idLists: [1_000],
        startups: 5,
        singles: 200,
        memory: 20_000,
        drain: 20_000,
        counted: 1_000,
      }
    : {
        rounds: 9,
        filter: 10_000,
        idLists: [1_000, 5_000],
        startups: 15,
        singles: 1_000,
        memory: 100_000,
        drain: 100_000,
        // workflow_runs reads the logs 10 runs a request, and the emulator builds every run it
        // holds for each: counting is measured on a drain of this size.
        counted: 2_000,
      };

/**
 * The emulator runs in a process of its own, as QStash would be: its work must not compete with
 * the client being measured for this process's event loop. Every run it resumes succeeds at once
 * (`--runs-succeed`): a run that failed again would re-enter the DLQ, and a loop that resumes by
 * filter would then time work it was never given.
 * @param {{ entries: number, seed: number, latencyMs: number }} options
 */
async function startEmulator({ entries, seed, latencyMs }) {
  const child = spawn(
    process.execPath,
    [
      SERVER,
      "emulator",
      "--port",
      "0",
      "--entries",
      String(entries),
      "--seed",
      String(seed),
      "--latency",
      String(latencyMs),
      "--token",
      TOKEN,
      "--runs-succeed",
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { PATH: process.env.PATH ?? "" } },
  );
  const url = await new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+) with/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}: ${stderr}`)));
  });
  const auth = { authorization: `Bearer ${TOKEN}` };
  /** @param {string} path @param {string} [method] */
  const call = async (path, method = "GET") =>
    (await fetch(`${url}${path}`, { method, headers: auth })).json();
  return {
    url: /** @type {string} */ (url),
    /** Reloads the DLQ; its answer says how many entries it now holds. */
    reset: async () => /** @type {{ entries: number }} */ (await call("/__emulator/reset", "POST")).entries,
    /** Runs resumed since the last reset: every entry the DLQ was given, once each. */
    resumed: async () => /** @type {{ resumed: number }} */ (await call("/__emulator/state")).resumed,
    ids: async () => {
      const ids = [];
      let cursor = "";
      do {
        const page = /** @type {{ messages?: { dlqId: string }[], cursor?: string }} */ (
          await call(`/v2/workflows/dlq?count=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
        );
        // An empty list may leave out its messages, as QStash's answers leave out empty arrays.
        ids.push(...(page.messages ?? []).map((message) => message.dlqId));
        cursor = page.cursor ?? "";
      } while (cursor);
      return ids;
    },
    close: async () => {
      child.kill();
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

/** @param {() => Promise<unknown>} fn */
async function time(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Times the reference and this server alternately on a freshly reset DLQ: one warm-up round each
 * (JIT and connection set-up), then `rounds` measured ones; returns the medians.
 * @param {{ reset: () => Promise<number>, resumed: () => Promise<number> }} emulator
 * @param {() => Promise<unknown>} reference
 * @param {() => Promise<unknown>} ours
 */
async function sideBySide(emulator, reference, ours, rounds = SIZES.rounds) {
  /** @type {number[]} */
  const refTimes = [];
  /** @type {number[]} */
  const oursTimes = [];
  for (let round = 0; round <= rounds; round++) {
    for (const [fn, times] of /** @type {const} */ ([
      [reference, refTimes],
      [ours, oursTimes],
    ])) {
      const entries = await emulator.reset();
      const ms = await time(fn);
      if ((await emulator.resumed()) !== entries) throw new Error("a run did not resume every entry");
      if (round > 0) times.push(ms);
    }
  }
  return { reference: median(refTimes), ours: median(oursTimes) };
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The measured server: long deadline and no confirmation unless `args` replaces them, so a
 * benchmark times the work, not the bounds.
 * @param {string} url @param {string[]} [args] @param {boolean} [defaults] run with default bounds
 */
async function connect(url, args = [], defaults = false) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER, "--no-journal", ...(defaults ? [] : ["--deadline", "600", "--no-confirm"]), ...args],
    env: { PATH: process.env.PATH ?? "", QSTASH_URL: url, QSTASH_TOKEN: TOKEN },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  return { client, pid: /** @type {number} */ (transport.pid) };
}

/**
 * The measured server over stateless Streamable HTTP with its default bounds (confirmation on),
 * at the URL it announces on stderr. @param {string} qstashUrl
 */
async function startHttp(qstashUrl) {
  const child = spawn(process.execPath, [SERVER, "--http", "--port", "0", "--no-journal"], {
    env: { PATH: process.env.PATH ?? "", QSTASH_URL: qstashUrl, QSTASH_TOKEN: TOKEN },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk.toString("utf8");
      const match = /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the HTTP server exited with ${code}: ${stderr}`)));
  });
  return {
    url: /** @type {string} */ (url),
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** @param {string} name @param {string} ours @param {string} reference @param {number} ratio @param {string} target @param {boolean} met @param {string} [note] */
function row(name, ours, reference, ratio, target, met, note = "") {
  rows.push({
    name,
    ours,
    reference,
    ratio: Number.isFinite(ratio) ? ratio.toFixed(2) : "—",
    target,
    met: met ? "yes" : "no",
    note,
  });
  process.stderr.write(
    `${name}: ${ours} vs ${reference} → ${Number.isFinite(ratio) ? ratio.toFixed(2) : "—"}\n`,
  );
}

/** @param {number} value */
const ms = (value) => `${value.toFixed(0)} ms`;

// a. 10,000 entries by filter: one bounded tool call vs the official client's documented loop.
if (runs("a")) {
  const entries = SIZES.filter;
  const emulator = await startEmulator({ entries, seed: 1, latencyMs: LATENCY_MS });
  const filter = { fromDate: Date.UTC(2000, 0, 1) };
  const official = new WorkflowClient({ baseUrl: emulator.url, token: TOKEN });
  const { client } = await connect(emulator.url);
  const measured = await sideBySide(
    emulator,
    async () => {
      let cursor;
      do {
        const result = /** @type {{ cursor?: string }} */ (
          await official.dlq.resume(/** @type {any} */ ({ filter, cursor }))
        );
        cursor = result.cursor;
      } while (cursor);
    },
    () => client.callTool({ name: "dlq_resume", arguments: { filter, maxPages: 1000 } }),
  );
  await client.close();
  await emulator.close();
  const ratio = measured.ours / measured.reference;
  row(
    `a. resume ${entries.toLocaleString("en")} entries by filter`,
    ms(measured.ours),
    `${ms(measured.reference)} (official do/while)`,
    ratio,
    "≤ 1.05",
    ratio <= 1.05,
  );
}

// b. Id lists: concurrent ≤ 50-id batches vs the same batches one after another.
for (const size of runs("b") ? SIZES.idLists : []) {
  const emulator = await startEmulator({ entries: size, seed: 2, latencyMs: LATENCY_MS });
  const ids = await emulator.ids();
  const official = new WorkflowClient({ baseUrl: emulator.url, token: TOKEN });
  const { client } = await connect(emulator.url);
  const sequentialChunks = async () => {
    for (let start = 0; start < ids.length; start += 50)
      await official.dlq.resume(ids.slice(start, start + 50));
  };
  const measured = await sideBySide(emulator, sequentialChunks, () =>
    client.callTool({ name: "dlq_resume", arguments: { dlqIds: ids, maxPages: 1000 } }),
  );
  // The floor under any client: the same batches, four in flight on a bare undici pool, no MCP.
  const pool = new Pool(emulator.url, { connections: 4 });
  const floor = await sideBySide(emulator, sequentialChunks, async () => {
    let next = 0;
    const worker = async () => {
      while (next * 50 < ids.length) {
        const start = 50 * next++;
        const query = ids
          .slice(start, start + 50)
          .map((id) => `dlqIds=${encodeURIComponent(id)}`)
          .join("&");
        const response = await pool.request({
          method: "POST",
          path: `/v2/workflows/dlq/resume?${query}`,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        await response.body.text();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  });
  await pool.close();
  // What the official client does with the whole list: one request, every id in its URL.
  await emulator.reset();
  let officialOutcome = "";
  try {
    const result = /** @type {{ workflowRuns?: unknown[]; cursor?: string } | unknown[]} */ (
      await official.dlq.resume(ids)
    );
    const runs = Array.isArray(result) ? result : (result.workflowRuns ?? []);
    officialOutcome = `resumed ${runs.length} of ${size}${!Array.isArray(result) && result.cursor ? ", cursor returned and not followed" : ""}`;
  } catch (error) {
    officialOutcome = `failed: ${/** @type {Error} */ (error).message.slice(0, 60)}`;
  }
  // The URL the official client builds for the whole list: every id as a repeated query key.
  const urlLength = `${emulator.url}/v2/workflows/dlq/resume?${ids.map((id) => `dlqIds=${id}`).join("&")}`
    .length;
  await client.close();
  await emulator.close();
  const ratio = measured.ours / measured.reference;
  row(
    `b. resume ${size.toLocaleString("en")} ids`,
    ms(measured.ours),
    `${ms(measured.reference)} (50-id chunks in sequence)`,
    ratio,
    "≤ 0.35",
    ratio <= 0.35,
    `floor (same batches, 4 in flight on bare undici, no MCP): ${ms(floor.ours)}, ratio ${(floor.ours / floor.reference).toFixed(2)}. Official client with the whole list: 1 request, URL of ${urlLength.toLocaleString("en")} characters; ${officialOutcome}`,
  );
}

// c. Spawn → first answer, on each protocol era's opening: this server vs a bare one-tool server
// on the same SDK.
if (runs("c")) {
  const OPENINGS = {
    "initialize (2025-11-25)": {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "bench", version: "0" },
      },
    },
    "server/discover (2026-07-28)": {
      jsonrpc: "2.0",
      id: 1,
      method: "server/discover",
      params: {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientInfo": { name: "bench", version: "0" },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    },
  };
  /**
   * @param {string} entry
   * @param {object} opening
   */
  const startup = (entry, opening) =>
    new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      const child = spawn(process.execPath, [entry, "--no-journal"], {
        stdio: ["pipe", "pipe", "ignore"],
        env: { PATH: process.env.PATH ?? "", QSTASH_TOKEN: TOKEN },
      });
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes('"id":1')) {
          resolve(Number(process.hrtime.bigint() - start) / 1e6);
          child.kill();
        }
      });
      child.once("error", reject);
      child.stdin.write(`${JSON.stringify(opening)}\n`);
    });
  for (const [name, opening] of Object.entries(OPENINGS)) {
    const ours = [];
    const minimal = [];
    for (let round = 0; round < SIZES.startups; round++) {
      ours.push(/** @type {number} */ (await startup(SERVER, opening)));
      minimal.push(/** @type {number} */ (await startup(MINIMAL, opening)));
    }
    const ratio = median(ours) / median(minimal);
    row(
      `c. spawn → ${name} answer`,
      ms(median(ours)),
      `${ms(median(minimal))} (bare one-tool server, SDK v2)`,
      ratio,
      "≤ 1.0",
      ratio <= 1.0,
      "median of interleaved cold starts",
    );
  }
}

// d. Single-id resumes: one tool call each over stdio vs the official client called directly.
// Both warm up first (the first call loads each side's HTTP stack), then run in alternating
// blocks, so whatever else the machine does falls on both alike: the ratio is the sum of each
// side's blocks.
if (runs("d")) {
  const count = SIZES.singles;
  const warmup = Math.min(20, count);
  const block = Math.max(1, Math.min(25, count));
  const emulator = await startEmulator({ entries: (count + warmup) * 2, seed: 3, latencyMs: LATENCY_MS });
  const ids = await emulator.ids();
  const official = new WorkflowClient({ baseUrl: emulator.url, token: TOKEN });
  const { client } = await connect(emulator.url);
  const theirs = ids.slice(0, count + warmup);
  const mine = ids.slice(count + warmup);
  /** @param {string[]} list */
  const reference = async (list) => {
    for (const id of list) await official.dlq.resume(id);
  };
  /** @param {string[]} list */
  const server = async (list) => {
    for (const id of list) await client.callTool({ name: "dlq_resume", arguments: { dlqIds: [id] } });
  };
  await reference(theirs.slice(0, warmup));
  await server(mine.slice(0, warmup));
  let ref = 0;
  let ours = 0;
  for (let at = warmup; at < count + warmup; at += block) {
    ref += await time(() => reference(theirs.slice(at, at + block)));
    ours += await time(() => server(mine.slice(at, at + block)));
  }
  if ((await emulator.resumed()) !== 2 * (count + warmup)) {
    throw new Error("single-id resumes left entries behind");
  }
  await client.close();
  await emulator.close();
  const ratio = ours / ref;
  row(
    `d. ${count.toLocaleString("en")} single-id resumes`,
    ms(ours),
    `${ms(ref)} (official client, direct)`,
    ratio,
    "≤ 1.2",
    ratio <= 1.2,
    `after ${warmup} warm-up calls each, in alternating blocks of ${block}`,
  );
}

// e. Peak memory of one bounded call that resumes 100,000 entries.
if (runs("e")) {
  const entries = SIZES.memory;
  const emulator = await startEmulator({ entries, seed: 4, latencyMs: LATENCY_MS });
  // One call covers every entry (the bench's servers run with a long deadline); the client waits
  // as long as that may take on a slow machine.
  const { client, pid } = await connect(emulator.url);
  const result = /** @type {{ structuredContent?: { resumed?: number } }} */ (
    await client.callTool({ name: "dlq_resume_all", arguments: { maxPages: 2_500 } }, undefined, {
      timeout: 180_000,
    })
  );
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  await client.close();
  await emulator.close();
  const resumed = result.structuredContent?.resumed ?? 0;
  if (resumed !== entries) throw new Error(`resumed ${resumed} of ${entries}`);
  const peakMb = peakKb / 1024;
  row(
    `e. peak RSS, one call resuming ${entries.toLocaleString("en")} entries`,
    `${peakMb.toFixed(0)} MB`,
    "150 MB (target)",
    peakMb / 150,
    "≤ 150 MB",
    peakMb <= 150,
    "server process VmHWM",
  );
}

// f. Draining a large incident: calls and characters of tool output a model reads, with the
// default bounds (deadline and result size, after the user confirmed) against the former
// default of 10 requests a call.
if (runs("f")) {
  const entries = SIZES.drain;
  /** @param {import("@modelcontextprotocol/sdk/client/index.js").Client} client @param {Record<string, unknown>} args */
  const drain = async (client, args) => {
    let calls = 0;
    let chars = 0;
    let largest = 0;
    let resumed = 0;
    /** @type {string[]} */
    const resources = [];
    /** @type {Record<string, unknown>} */
    let next = { ...args };
    for (;;) {
      calls += 1;
      const result =
        /** @type {{ content: { type: string, text?: string }[], structuredContent: Record<string, any> }} */ (
          await client.callTool({ name: "dlq_resume_all", arguments: next }, undefined, { timeout: 120_000 })
        );
      const text = result.content.reduce(
        (sum, part) => sum + (part.type === "text" ? (part.text ?? "").length : 0),
        0,
      );
      chars += text;
      largest = Math.max(largest, text);
      const data = result.structuredContent;
      if (data.stopReason === "unconfirmed") {
        // The user agreed to the preview: the next call passes the token back.
        next = { ...args, confirm: data.confirm };
        continue;
      }
      resumed += data.resumed ?? 0;
      if (data.workflowRunsResource) resources.push(data.workflowRunsResource);
      if (!data.cursor) break;
      next = { ...args, cursor: data.cursor };
      if (calls > 1_000) throw new Error("the drain did not end");
    }
    return { calls, chars, largest, resumed, resources };
  };

  const emulator = await startEmulator({ entries, seed: 6, latencyMs: LATENCY_MS });
  const today = await connect(emulator.url, ["--no-confirm"], true);
  const before = await drain(today.client, { maxPages: 10 });
  await today.client.close();
  await emulator.reset();
  const now = await connect(emulator.url, [], true);
  const after = await drain(now.client, {});
  let listed = 0;
  for (const uri of after.resources) {
    const read = await now.client.readResource({ uri });
    listed += JSON.parse(/** @type {{ text: string }} */ (read.contents[0]).text).workflowRuns.length;
  }
  await now.client.close();
  await emulator.close();
  if (before.resumed !== entries || after.resumed !== entries || listed !== entries) {
    throw new Error(
      `drained ${before.resumed} and ${after.resumed} (resources list ${listed}) of ${entries}`,
    );
  }
  const bound = 40_000;
  row(
    `f. calls to drain ${entries.toLocaleString("en")} entries, confirmed, default bounds`,
    `${after.calls} calls`,
    `${before.calls} calls (10 requests a call)`,
    after.calls / before.calls,
    "≤ 5 calls",
    after.calls <= 5,
    `the first call is the confirmation preview; every run listed in ${after.resources.length} resource(s)`,
  );
  row(
    "f. characters of tool output for that drain",
    after.chars.toLocaleString("en"),
    before.chars.toLocaleString("en"),
    after.chars / before.chars,
    `each result ≤ ${bound.toLocaleString("en")}`,
    after.largest <= bound && before.largest <= bound,
    `largest result ${after.largest.toLocaleString("en")} vs ${before.largest.toLocaleString("en")} characters`,
  );
}

// g. The same drain over stateless HTTP, where no session can hold a report: with the redrive's
// own label, results report counts and the first runs and point to workflow_runs, which counts
// every run from QStash's logs; the reference is the same drain without a label, whose every run
// must be listed inline, so each call stops at the result bound.
{
  const entries = SIZES.drain;
  const emulator = await startEmulator({ entries, seed: 6, latencyMs: LATENCY_MS });
  const http = await startHttp(emulator.url);
  /** @param {Record<string, unknown>} args @param {boolean} count */
  const drain = async (args, count) => {
    const client = new Client({ name: "bench", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    let calls = 0;
    let largest = 0;
    let chars = 0;
    let resumed = 0;
    /** @param {string} name @param {Record<string, unknown>} arguments_ */
    const call = async (name, arguments_) => {
      calls += 1;
      const result =
        /** @type {{ content: { type: string, text?: string }[], structuredContent: Record<string, any> }} */ (
          await client.callTool({ name, arguments: arguments_ }, undefined, { timeout: 120_000 })
        );
      const size = JSON.stringify(result.content).length;
      largest = Math.max(largest, size);
      if (name !== "workflow_runs") chars += size;
      return result.structuredContent;
    };
    // The preview is the question: the user agrees to it, and the next call passes its token.
    const preview = await call("dlq_resume_all", { ...args, dryRun: true });
    /** @type {Record<string, unknown>} */
    let next = { ...args, confirm: preview.confirm };
    for (;;) {
      const data = await call("dlq_resume_all", next);
      resumed += data.resumed ?? 0;
      if (!data.cursor) break;
      next = { ...args, cursor: data.cursor };
      if (calls > 2_000) throw new Error("the drain did not end");
    }
    const drainCalls = calls;
    let counted = 0;
    if (count && typeof args.label === "string") {
      /** @type {string | undefined} */
      let cursor;
      do {
        const page = await call("workflow_runs", { label: args.label, ...(cursor ? { cursor } : {}) });
        counted += page.runs ?? 0;
        cursor = page.cursor;
      } while (cursor);
    }
    await client.close();
    return { calls: drainCalls, countCalls: calls - drainCalls, largest, chars, resumed, counted };
  };
  const labelled = await drain({ label: "redrive-bench" }, false);
  const resumed = await emulator.resumed();
  await emulator.reset();
  const unlabelled = await drain({}, false);
  await http.stop();
  await emulator.close();
  // workflow_runs by the label counts every run of a labelled drain (of `counted` entries).
  const small = await startEmulator({ entries: SIZES.counted, seed: 7, latencyMs: LATENCY_MS });
  const smallHttp = await startHttp(small.url);
  http.url = smallHttp.url;
  const checked = await drain({ label: "redrive-count" }, true);
  await smallHttp.stop();
  await small.close();
  if (
    labelled.resumed !== entries ||
    resumed !== entries ||
    unlabelled.resumed !== entries ||
    checked.counted !== SIZES.counted
  ) {
    throw new Error(
      `drained ${labelled.resumed} and ${unlabelled.resumed} of ${entries}; workflow_runs counted ${checked.counted} of ${SIZES.counted}`,
    );
  }
  const bound = 40_000;
  row(
    `g. calls to drain ${entries.toLocaleString("en")} entries over stateless HTTP, with a label`,
    `${labelled.calls} calls`,
    `${unlabelled.calls} calls (no label)`,
    labelled.calls / unlabelled.calls,
    "≤ 5 calls, each result ≤ 40,000",
    labelled.calls <= 5 && labelled.largest <= bound,
    `preview included; ${labelled.chars.toLocaleString("en")} characters in all (no label: ${unlabelled.chars.toLocaleString("en")}), largest result ${labelled.largest.toLocaleString("en")}; workflow_runs by the label counts every run of a labelled drain (${SIZES.counted.toLocaleString("en")} of ${SIZES.counted.toLocaleString("en")} in ${checked.countCalls} calls)`,
  );
}

const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
const table = [
  "| benchmark | this server | reference | ratio | target | met | note |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    (r) => `| ${r.name} | ${r.ours} | ${r.reference} | ${r.ratio} | ${r.target} | ${r.met} | ${r.note} |`,
  ),
].join("\n");
const report = `# Benchmarks\n\nMeasured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\`${smoke ? " --smoke" : quick ? " --quick" : ""} on ${machine}.\nEvery request to the emulator carries ${LATENCY_MS} ms of injected latency; each ratio is this server over the reference measured in the same run.\n\n${table}\n`;
process.stdout.write(`${report}\n`);
if (!quick && !only) writeFileSync(new URL("./RESULTS.md", import.meta.url), report);
