/**
 * The live suite: the same end-to-end scenarios against real QStash (QSTASH_TOKEN, and QSTASH_URL
 * when not the default) or, without a token, against the emulator started in this process.
 *
 * Read-only by default: the built server is spawned with `--read-only` and driven over stdio
 * through the MCP SDK's client (list, a summary, inspect, the logs, the status of every
 * flow-control key), and the same endpoints are read raw, each answer checked by the server's own
 * parsers (`src/qstash/parse.ts`) and, with a save directory, written as a fixture.
 *
 * With `write`, it makes entries of its own and touches nothing else: it triggers a few runs at an
 * address that always fails, under a label and a flow-control key made for this run, waits for
 * them in the DLQ, inspects them, resumes them under the key, pauses and resumes the key, checks
 * the runs' outcome and deletes what is left. Every change goes through one guard that refuses
 * any selection but the label (or ids listed under it) and any key but its own, and refuses
 * everything until the target was seen to honour the label filter; a final cleanup deletes, by
 * id, whatever is still listed under the label and carries it.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import type { z } from "zod";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { parseListBody, parseMessageBody } from "../../src/qstash/parse.js";
import { parseFlowKey, parseFlowKeys } from "../../src/qstash/parse-flow.js";
import { parseLogsBody } from "../../src/qstash/parse-logs.js";
import { REDACTED, Redactor } from "../../src/redact.js";
import { READ_ONLY_TOOLS, TOOLS } from "../../src/tools/index.js";
import { type Connected, connectServer } from "../support/harness.js";

const DEFAULT_QSTASH_URL = "https://qstash.upstash.io";

/**
 * Where the write mode's runs are sent: a path on example.com, the domain reserved for
 * documentation (RFC 2606). QStash must accept the URL, and it refuses a destination whose host
 * does not resolve ("invalid destination url: unable to resolve host", as quoted in
 * elie222/inbox-zero#2268), so an unroutable `.invalid` host is out; an address on this machine
 * is out of QStash's reach. The address must also fail every time without troubling anyone:
 * Upstash's own live DLQ tests publish to `https://example.com/...` with no retries to put a
 * message in the DLQ (upstash/qstash-js, `src/client/dlq.test.ts`). A handful of requests a run
 * reach it, no more.
 */
export const FAILING_URL_BASE = "https://example.com/dlq-mcp-live";
/** Runs the write mode triggers. */
const RUNS = 3;

export type TargetKind = "qstash" | "emulator";

export interface LiveTarget {
  kind: TargetKind;
  /** QStash's base URL, or the emulator's. */
  url: string;
  token: string;
  /** The in-process emulator, when it is the target. */
  emulator?: Emulator;
  close(): Promise<void>;
}

/** Real QStash when QSTASH_TOKEN is set, else the emulator in this process. */
export async function liveTarget(env: NodeJS.ProcessEnv = process.env): Promise<LiveTarget> {
  const token = env.QSTASH_TOKEN?.trim();
  if (!token) return emulatorTarget();
  const url = (env.QSTASH_URL?.trim() || DEFAULT_QSTASH_URL).replace(/\/+$/, "");
  return { kind: "qstash", url, token, close: async () => {} };
}

/**
 * The emulator on 127.0.0.1 with an ephemeral port: a seeded DLQ, resumed runs run at their key's
 * pace twenty times faster than real time, and one key a past redrive left, so "every key" has
 * one to read.
 */
export async function emulatorTarget(): Promise<LiveTarget> {
  const token = `live_${randomBytes(12).toString("hex")}`;
  const emulator = await startEmulator({
    token,
    host: "127.0.0.1",
    port: 0,
    entries: 60,
    seed: 11,
    delivery: { speedUp: 20 },
  });
  emulator.store.flowControl.observe("checkout-redrive-2", "parallelism=2, rate=10, period=1s");
  return { kind: "emulator", url: emulator.url, token, emulator, close: () => emulator.close() };
}

export interface LiveOptions {
  /** Make, change and delete entries of the suite's own. */
  write?: boolean;
  /** Write each raw answer here as a JSON fixture. */
  saveDir?: string;
  /** One line per check as it ends; default: nothing. */
  log?: (line: string) => void;
}

export interface CheckResult {
  name: string;
  /** What the check establishes against real QStash. */
  againstQStash: string;
  ok: boolean;
  skipped?: boolean;
  detail: string;
}

export interface LiveReport {
  target: TargetKind;
  label?: string;
  key?: string;
  results: CheckResult[];
  failed: CheckResult[];
  /** Fixture files written. */
  saved: string[];
}

/** Thrown by a check that has nothing to check against this account (an empty DLQ, no keys). */
class Skip extends Error {}

/** A refusal of the write guard: the suite would have touched something not its own. */
export class Refused extends Error {}

const TOOL_SCHEMAS = new Map<string, z.ZodType>(TOOLS.map((tool) => [tool.name, tool.outputSchema]));

// ---------------------------------------------------------------------------------------------
// Raw answers, checked by the server's parsers and saved as fixtures without secrets

/** Fields of DLQ messages and logs that hold header maps: their values can carry credentials. */
const HEADER_FIELDS = new Set([
  "header",
  "headers",
  "responseHeader",
  "responseHeaders",
  "callHeaders",
  "callResponseHeaders",
  "failHeaders",
]);

/** Header values replaced (the names kept, for the shape), and the token scrubbed everywhere. */
export function fixtureSafe(value: unknown, redactor: Redactor): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    return Object.fromEntries(
      Object.entries(node).map(([name, field]) => [
        name,
        HEADER_FIELDS.has(name) && typeof field === "object" && field !== null && !Array.isArray(field)
          ? Object.fromEntries(Object.keys(field).map((header) => [header, [REDACTED]]))
          : walk(field),
      ]),
    );
  };
  return redactor.deep(walk(value));
}

class Raw {
  readonly saved: string[] = [];
  private readonly redactor: Redactor;
  private readonly source: string;

  constructor(
    private readonly target: LiveTarget,
    private readonly saveDir: string | undefined,
  ) {
    this.redactor = new Redactor(target.token);
    this.source =
      target.kind === "qstash" ? `live QStash, ${new Date().toISOString().slice(0, 10)}` : "emulator";
    if (saveDir) mkdirSync(saveDir, { recursive: true });
  }

  /** One request; a status other than 200 fails the check with QStash's words. */
  async send(
    fixture: string,
    method: "GET" | "POST" | "DELETE",
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<unknown> {
    const response = await request(`${this.target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.target.token}`, ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    this.save(fixture, method, path, response.statusCode, parsed);
    if (response.statusCode !== 200) {
      const said = this.redactor.text(typeof parsed === "string" ? parsed : JSON.stringify(parsed));
      throw new Error(`${method} ${path} answered ${response.statusCode}: ${said.slice(0, 300)}`);
    }
    return parsed;
  }

  /** QStash's clock: the `Date` header of a one-entry listing, whole seconds, as the server's snapshots read it. */
  async serverTime(): Promise<number> {
    const response = await request(`${this.target.url}/v2/workflows/dlq?count=1`, {
      headers: { authorization: `Bearer ${this.target.token}` },
    });
    await response.body.dump();
    const date = Date.parse(String(response.headers.date ?? ""));
    if (!Number.isFinite(date)) throw new Error(`no Date header (status ${response.statusCode})`);
    return date;
  }

  /** Every fixture says where it came from; request headers, and with them the token, never go in. */
  private save(name: string, method: string, path: string, status: number, body: unknown): void {
    if (!this.saveDir) return;
    const file = join(this.saveDir, `${String(this.saved.length + 1).padStart(2, "0")}-${name}.json`);
    const fixture = { source: this.source, request: { method, path }, status, body };
    writeFileSync(file, `${JSON.stringify(fixtureSafe(fixture, this.redactor), null, 2)}\n`);
    this.saved.push(file);
  }
}

// ---------------------------------------------------------------------------------------------
// The server, driven over stdio

interface Session {
  connected: Connected;
  /** A tool's result: no tool error, its structured content valid against the tool's outputSchema. */
  call(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function openSession(target: LiveTarget, args: string[], confirm: boolean): Promise<Session> {
  const connected = await connectServer({
    args,
    confirm,
    env: { QSTASH_URL: target.url, QSTASH_TOKEN: target.token },
    secrets: [target.token],
  });
  return {
    connected,
    call: async (tool, toolArgs) => {
      const result = (await connected.client.callTool(
        { name: tool, arguments: toolArgs },
        { timeout: 120_000 },
      )) as CallToolResult;
      connected.results.push(result);
      const text = result.content.map((part) => (part.type === "text" ? part.text : "")).join(" ");
      if (result.isError) throw new Error(`${tool} answered a tool error: ${text.slice(0, 400)}`);
      const schema = TOOL_SCHEMAS.get(tool);
      const checked = schema?.safeParse(result.structuredContent);
      if (!checked?.success) throw new Error(`${tool}: structured content does not match its outputSchema`);
      const data = result.structuredContent as Record<string, unknown>;
      if (data.error) throw new Error(`${tool} reported an error: ${JSON.stringify(data.error)}`);
      return data;
    },
    close: () => connected.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Checks

class Checks {
  readonly results: CheckResult[] = [];

  constructor(
    private readonly target: LiveTarget,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs one check; false when it failed (a skipped check did not fail). */
  async run(name: string, againstQStash: string, fn: () => Promise<string>): Promise<boolean> {
    let result: CheckResult;
    try {
      result = { name, againstQStash, ok: true, detail: await fn() };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      result =
        error instanceof Skip
          ? { name, againstQStash, ok: true, skipped: true, detail }
          : { name, againstQStash, ok: false, detail };
    }
    this.results.push(result);
    const mark = !result.ok ? "✗" : result.skipped ? "-" : "✓";
    if (this.target.kind === "qstash") {
      this.log(`${mark} ${name}: ${result.detail}`);
    } else {
      this.log(`${mark} [emulator] ${name}: ${result.detail}`);
      this.log(`    against real QStash it checks ${againstQStash}`);
    }
    return result.ok;
  }
}

const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready` gives a value or the time is up; the last answer goes into the error. */
async function eventually<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  ready: () => Promise<{ done?: T; last?: string }>,
): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  for (;;) {
    const answer = await ready();
    if (answer.done !== undefined) return { value: answer.done, ms: Date.now() - start };
    if (Date.now() - start > timeoutMs) {
      throw new Error(`${what}: not after ${Math.round(timeoutMs / 1000)} s (last: ${answer.last})`);
    }
    await sleep(intervalMs);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function runLiveSuite(target: LiveTarget, options: LiveOptions = {}): Promise<LiveReport> {
  const log = options.log ?? (() => {});
  const checks = new Checks(target, log);
  const raw = new Raw(target, options.saveDir);
  if (target.kind === "emulator") {
    log(
      `No QSTASH_TOKEN: running against the emulator at ${target.url}. With QSTASH_TOKEN (and QSTASH_URL) set, the same checks run against real QStash.`,
    );
  } else {
    log(`Against QStash at ${target.url}${options.write ? ", with --write" : ", read-only"}.`);
  }
  await readOnlyChecks(target, checks, raw);
  const report: LiveReport = { target: target.kind, results: checks.results, failed: [], saved: raw.saved };
  if (options.write) {
    const own = ownScope();
    report.label = own.label;
    report.key = own.key;
    log(`Write mode: label ${own.label}, flow-control key ${own.key}, runs sent to ${own.failingUrl}.`);
    await writeChecks(target, checks, raw, own);
  }
  report.failed = checks.results.filter((result) => !result.ok);
  return report;
}

async function readOnlyChecks(target: LiveTarget, checks: Checks, raw: Raw): Promise<void> {
  const session = await openSession(target, ["--read-only"], false);
  try {
    await checks.run(
      "tools",
      "that a --read-only server offers only the tools that change nothing, so this mode cannot change the account",
      async () => {
        const names = (await session.connected.client.listTools()).tools.map((tool) => tool.name).sort();
        const expected = READ_ONLY_TOOLS.map((tool) => tool.name).sort();
        if (JSON.stringify(names) !== JSON.stringify(expected)) {
          throw new Error(`offered ${names.join(", ")}; expected ${expected.join(", ")}`);
        }
        return names.join(", ");
      },
    );

    let listed: string[] = [];
    await checks.run(
      "list (raw)",
      "GET /v2/workflows/dlq?count=10 parses as the server reads a list page",
      async () => {
        const page = parseListBody(await raw.send("dlq-list", "GET", "/v2/workflows/dlq?count=10"), "list");
        listed = page.messages.map((message) => message.dlqId);
        return `${listed.length} entries${page.cursor ? ", and a cursor to more" : ""}`;
      },
    );

    await checks.run(
      "get (raw)",
      "GET /v2/workflows/dlq/{dlqId} of a listed entry parses as one DLQ message, the same entry",
      async () => {
        const first = listed[0];
        if (first === undefined) throw new Skip("the DLQ is empty: no entry to read");
        const path = `/v2/workflows/dlq/${encodeURIComponent(first)}`;
        const message = parseMessageBody(await raw.send("dlq-get", "GET", path), "get");
        if (message.dlqId !== first) throw new Error(`asked for ${first}, got ${message.dlqId}`);
        return `${first}: ${Object.keys(message).length} fields`;
      },
    );

    await checks.run(
      "dlq_list",
      "that the tool lists the account's entries, compact, within its outputSchema",
      async () => {
        const data = await session.call("dlq_list", { count: 10 });
        const messages = asArray<{ dlqId: string }>(data.messages);
        if (data.returned !== messages.length)
          throw new Error(`returned ${data.returned}, listed ${messages.length}`);
        return `${messages.length} entries`;
      },
    );

    await checks.run(
      "dlq_list summary",
      "that a summary of up to 100 entries counts every entry it read",
      async () => {
        const data = await session.call("dlq_list", { summary: true, count: 100 });
        const summary = data.summary as { entries?: number } | undefined;
        if (!summary) throw new Error("no summary in the result");
        if (summary.entries !== data.returned) {
          throw new Error(`summary counts ${summary.entries} entries of ${data.returned} read`);
        }
        return `${summary.entries} entries summarised`;
      },
    );

    await checks.run(
      "dlq_inspect",
      "that up to three listed entries are read one by one and their runs found in the logs",
      async () => {
        const ids = listed.slice(0, 3);
        if (ids.length === 0) throw new Skip("the DLQ is empty: nothing to inspect");
        const data = await session.call("dlq_inspect", { dlqIds: ids });
        const entries = asArray<{ dlqId: string; run?: { state: string } }>(data.entries);
        const accounted = entries.length + asArray(data.gone).length + asArray(data.failed).length;
        if (accounted + asArray(data.notShown).length !== ids.length) {
          throw new Error(`asked about ${ids.length}, accounted for ${accounted}`);
        }
        const withRun = entries.filter((entry) => entry.run).length;
        return `${entries.length} inspected, ${withRun} with their run from the logs${data.logsError ? " (logs unreadable)" : ""}`;
      },
    );

    await checks.run(
      "logs (raw)",
      "GET /v2/workflows/logs?count=10&trimBody=200 parses as the server reads runs and their steps",
      async () => {
        const body = await raw.send("logs", "GET", "/v2/workflows/logs?count=10&trimBody=200");
        const { runs, cursor } = parseLogsBody(body, "logs");
        return `${runs.length} runs${cursor ? ", and a cursor to more" : ""}`;
      },
    );

    await checks.run(
      "workflow_runs",
      "that the runs of the last day are counted by state, one page of them",
      async () => {
        const data = await session.call("workflow_runs", { fromDate: Date.now() - 86_400_000, maxPages: 1 });
        const counts = data.counts as Record<string, number>;
        const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
        if (total !== data.runs) throw new Error(`counts add up to ${total}, runs says ${data.runs}`);
        return `${data.runs} runs: ${JSON.stringify(counts)}`;
      },
    );

    let keys: string[] = [];
    await checks.run(
      "flow-control keys (raw)",
      "GET /v2/flowControl and GET /v2/flowControl/{key} of every key (at most 20) parse as the server reads them",
      async () => {
        const listedKeys = parseFlowKeys(await raw.send("flow-keys", "GET", "/v2/flowControl"), "keys");
        keys = listedKeys.map((info) => info.key);
        for (const key of keys.slice(0, 20)) {
          const path = `/v2/flowControl/${encodeURIComponent(key)}`;
          const info = parseFlowKey(await raw.send("flow-key", "GET", path), "key");
          if (info.key !== key) throw new Error(`asked for key ${key}, got ${info.key}`);
        }
        return `${keys.length} keys`;
      },
    );

    await checks.run(
      "flow_control_status",
      "that the tool reports every key, and each key alone (at most 20), with its waitlist",
      async () => {
        const all = await session.call("flow_control_status", {});
        const reported = asArray<{ key: string }>(all.keys).map((info) => info.key);
        const missing = keys.filter((key) => !reported.includes(key) && !all.keysTruncated);
        if (missing.length > 0) throw new Error(`keys missing from the tool's list: ${missing.join(", ")}`);
        for (const key of keys.slice(0, 20)) {
          const one = await session.call("flow_control_status", { key });
          const got = asArray<{ key: string; waitlistSize: number }>(one.keys);
          if (got.length !== 1 || got[0]?.key !== key)
            throw new Error(`key ${key} read as ${JSON.stringify(got)}`);
        }
        return `${reported.length} keys reported`;
      },
    );
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Write mode

interface Own {
  label: string;
  key: string;
  failingUrl: string;
  /** Entries listed under the label that carry it: the only ids a change may name. */
  dlqIds: Set<string>;
  /** Set once the target was seen to filter by label: until then every change is refused. */
  labelFilterChecked: boolean;
  paused: boolean;
  /** Changes the server asked about, confirmed once their preview showed only the suite's own. */
  confirmed: number;
  /** When the newest of the suite's entries entered the DLQ, Unix milliseconds. */
  newest: number;
}

/** A label and key of the suite's own, fresh for every write run. */
export function ownScope(): Own {
  const label = `dlq-mcp-live-${randomBytes(5).toString("hex")}`;
  return {
    label,
    key: `${label}-key`,
    failingUrl: `${FAILING_URL_BASE}/${label}`,
    dlqIds: new Set(),
    labelFilterChecked: false,
    paused: false,
    confirmed: 0,
    newest: 0,
  };
}

/** The only changes the suite may make: on its own label, ids listed under it, or its own key. */
export function guardChange(tool: string, args: Record<string, unknown>, own: Own): void {
  const refuse = (why: string): never => {
    throw new Refused(`refusing ${tool} ${JSON.stringify(args)}: ${why}`);
  };
  if (!own.labelFilterChecked) refuse("the target has not been seen to honour the label filter");
  if (tool === "flow_control_update") {
    if (args.key !== own.key) refuse(`the key is not the suite's own (${own.key})`);
    return;
  }
  if (tool !== "dlq_resume" && tool !== "dlq_delete") refuse("the suite changes nothing with that tool");
  if (args.all !== undefined || args.cursor !== undefined) refuse("only a label or listed ids");
  if (args.dlqIds !== undefined) {
    const ids = asArray<string>(args.dlqIds);
    if (args.filter !== undefined || ids.some((id) => !own.dlqIds.has(id))) {
      refuse("an id that was not listed under the suite's label");
    }
  } else {
    const filter = args.filter as Record<string, unknown> | undefined;
    if (!filter || Object.keys(filter).join() !== "label" || filter.label !== own.label) {
      refuse(`the filter must be exactly {"label": "${own.label}"}`);
    }
  }
  if (tool === "dlq_resume") {
    const flowControl = args.flowControl as { key?: string } | undefined;
    if (flowControl?.key !== own.key || args.label !== own.label) {
      refuse("resumed runs must stay under the suite's own key and label");
    }
  }
}

/** A change through the guard; asked to confirm, it checks the preview is its own, then does. */
async function change(
  session: Session,
  own: Own,
  tool: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  guardChange(tool, args, own);
  const first = await session.call(tool, args);
  if (first.stopReason !== "unconfirmed") return first;
  const preview = first.preview as { sample?: { dlqId: string; label?: string }[] } | undefined;
  for (const entry of preview?.sample ?? []) {
    if (entry.label !== own.label || !own.dlqIds.has(entry.dlqId)) {
      throw new Refused(`${tool} would change ${entry.dlqId}, which is not the suite's own`);
    }
  }
  own.confirmed += 1;
  return session.call(tool, { ...args, confirm: first.confirm });
}

/**
 * Waits until QStash's clock has passed `at`. A change by label acts inside a snapshot taken from
 * QStash's `Date` header in whole seconds (src/engine/snapshot.ts), so an entry that entered the DLQ
 * in the second the change began is left for a later call.
 */
async function clockPast(raw: Raw, at: number, wait: { long: number; every: number }): Promise<void> {
  await eventually("QStash's clock past the newest entry", wait.long, wait.every, async () => {
    const now = await raw.serverTime();
    return now >= at ? { done: now } : { last: new Date(now).toISOString() };
  });
}

type Run = { workflowRunId: string; workflowCreatedAt?: number };

async function writeChecks(target: LiveTarget, checks: Checks, raw: Raw, own: Own): Promise<void> {
  const live = target.kind === "qstash";
  // QStash takes seconds to move a failed run to the DLQ and to log it; the emulator none.
  const wait = live ? { long: 180_000, every: 3_000 } : { long: 15_000, every: 50 };
  const session = await openSession(target, [], true);
  const byLabel = { filter: { label: own.label } };
  const triggered: string[] = [];
  let resumedRuns: Run[] = [];
  try {
    const steps: [string, string, () => Promise<string>][] = [
      [
        "trigger",
        `POST /v2/trigger/{url} starts ${RUNS} runs at ${FAILING_URL_BASE}/…, no retries, under the suite's label and key, each answer naming its run`,
        async () => {
          // The headers and the answer as the Workflow OpenAPI's "Trigger Workflow Run" describes
          // them (upstash/docs, workflow/openapi.yaml); the workflow URL is the path's rest.
          for (let n = 0; n < RUNS; n++) {
            const body = await raw.send(
              "trigger",
              "POST",
              `/v2/trigger/${own.failingUrl}`,
              {
                "content-type": "application/json",
                "upstash-label": own.label,
                "upstash-flow-control-key": own.key,
                "upstash-flow-control-value": "parallelism=1, rate=1, period=2s",
                "upstash-retries": "0",
              },
              JSON.stringify({ liveSuite: own.label, n }),
            );
            const id = (body as { workflowRunId?: unknown } | null)?.workflowRunId;
            if (typeof id !== "string" || id === "")
              throw new Error(`no workflowRunId in ${JSON.stringify(body)}`);
            triggered.push(id);
          }
          return `${triggered.length} runs: ${triggered.join(", ")}`;
        },
      ],
      [
        "label filter",
        "that a label nothing carries lists no entry, and that the runs reach the DLQ listed under the suite's label, carrying it and the key; nothing is changed before this holds",
        async () => {
          const unused = parseListBody(
            await raw.send(
              "dlq-list-unused-label",
              "GET",
              `/v2/workflows/dlq?label=${own.label}-none&count=10`,
            ),
            "list",
          );
          if (unused.messages.length > 0) throw new Refused("a label nothing carries listed entries");
          const { value, ms } = await eventually(
            "the triggered runs in the DLQ",
            wait.long,
            wait.every,
            async () => {
              const data = await session.call("dlq_list", { ...byLabel, count: 100 });
              const messages = asArray<{
                dlqId: string;
                label?: string;
                flowControlKey?: string;
                workflowRunId?: string;
                createdAt?: number;
              }>(data.messages);
              const strangers = messages.filter((message) => message.label !== own.label);
              if (strangers.length > 0)
                throw new Refused(`the label filter listed ${strangers.length} other entries`);
              const ours = messages.filter((message) => triggered.includes(message.workflowRunId ?? ""));
              return ours.length === triggered.length
                ? { done: ours }
                : { last: `${ours.length} of ${triggered.length}` };
            },
          );
          for (const message of value) {
            if (message.flowControlKey !== own.key)
              throw new Error(`${message.dlqId} is not under ${own.key}`);
            own.dlqIds.add(message.dlqId);
            own.newest = Math.max(own.newest, message.createdAt ?? Date.now());
          }
          parseListBody(
            await raw.send("dlq-list-own", "GET", `/v2/workflows/dlq?label=${own.label}&count=100`),
            "list",
          );
          own.labelFilterChecked = true;
          return `${value.length} entries under ${own.label} after ${seconds(ms)}`;
        },
      ],
      [
        "dlq_inspect own",
        "that each of the suite's entries is read and its failed run found in the logs, failed at its first step",
        async () => {
          const ids = [...own.dlqIds];
          const { value, ms } = await eventually("the runs in the logs", wait.long, wait.every, async () => {
            const data = await session.call("dlq_inspect", { dlqIds: ids });
            const entries = asArray<{
              dlqId: string;
              run?: { state: string; failedStep?: { status?: number } };
            }>(data.entries);
            const found = entries.filter((entry) => entry.run);
            return found.length === ids.length
              ? { done: found }
              : { last: `${found.length} of ${ids.length} runs` };
          });
          const states = value.map((entry) => entry.run?.state);
          if (states.some((state) => state !== "RUN_FAILED"))
            throw new Error(`run states ${states.join(", ")}`);
          parseLogsBody(
            await raw.send("logs-own", "GET", `/v2/workflows/logs?label=${own.label}&count=10&trimBody=200`),
            "logs",
          );
          const statuses = value.map((entry) => entry.run?.failedStep?.status ?? "?");
          return `${value.length} failed runs (statuses ${statuses.join(", ")}) after ${seconds(ms)}`;
        },
      ],
      [
        "dlq_resume under the key",
        "that the suite's entries, and only they, are resumed by their label under its own key at 1 run per 2 s, with no retries, each new run listed",
        async () => {
          const options = {
            flowControl: { key: own.key, rate: 1, period: "2s" },
            label: own.label,
            retries: 0,
          };
          await clockPast(raw, own.newest, wait);
          const data = await change(session, own, "dlq_resume", { ...byLabel, ...options });
          let count = Number(data.resumed) || 0;
          resumedRuns = asArray<Run>(data.workflowRuns);
          // Were one left out all the same, it goes by id: a second call by label would take the
          // first runs too, should they have failed again and come back under the label.
          const started = Date.now();
          while (count < own.dlqIds.size && Date.now() - started < wait.long) {
            await sleep(wait.every);
            const listed = await session.call("dlq_list", { ...byLabel, count: 100 });
            const left = asArray<{ dlqId: string }>(listed.messages)
              .map((message) => message.dlqId)
              .filter((id) => own.dlqIds.has(id));
            if (left.length === 0) break;
            const more = await change(session, own, "dlq_resume", { dlqIds: left, ...options });
            count += Number(more.resumed) || 0;
            resumedRuns.push(...asArray<Run>(more.workflowRuns));
          }
          if (count !== own.dlqIds.size || resumedRuns.length !== own.dlqIds.size) {
            throw new Error(`resumed ${count}, listed ${resumedRuns.length}, of ${own.dlqIds.size}`);
          }
          return `${count} resumed under ${own.key}`;
        },
      ],
      [
        "flow_control_update pause",
        "that the suite's key is paused, and reads paused back through the tool and raw",
        async () => {
          const data = await change(session, own, "flow_control_update", { key: own.key, action: "pause" });
          own.paused = true;
          if (data.applied !== true) throw new Error(`not applied: ${JSON.stringify(data)}`);
          const status = await session.call("flow_control_status", { key: own.key });
          const info = asArray<{ paused?: boolean; waitlistSize: number }>(status.keys)[0];
          if (info?.paused !== true) throw new Error(`reads ${JSON.stringify(info)}`);
          const path = `/v2/flowControl/${encodeURIComponent(own.key)}`;
          const rawInfo = parseFlowKey(await raw.send("flow-key-paused", "GET", path), "key");
          if (rawInfo.isPaused !== true) throw new Error(`raw read ${JSON.stringify(rawInfo)}`);
          return `paused, ${info.waitlistSize} waiting`;
        },
      ],
      [
        "flow_control_update resume",
        "that the suite's key is released and reads not paused",
        async () => {
          const data = await change(session, own, "flow_control_update", { key: own.key, action: "resume" });
          if (data.applied !== true) throw new Error(`not applied: ${JSON.stringify(data)}`);
          own.paused = false;
          const status = await session.call("flow_control_status", { key: own.key });
          const info = asArray<{ paused?: boolean; waitlistSize: number }>(status.keys)[0];
          if (info?.paused === true) throw new Error("still paused");
          return `released, ${info?.waitlistSize ?? 0} waiting`;
        },
      ],
      [
        "workflow_runs outcome",
        "that every resumed run ran to an end, found in the logs by the runs the resume listed (at the failing address each fails again)",
        async () => {
          const { value, ms } = await eventually(
            "the resumed runs' outcome",
            wait.long,
            wait.every,
            async () => {
              const data = await session.call("workflow_runs", { workflowRuns: resumedRuns });
              const counts = data.counts as Record<string, number>;
              const ended = (counts.RUN_SUCCESS ?? 0) + (counts.RUN_FAILED ?? 0) + (counts.RUN_CANCELED ?? 0);
              return ended === resumedRuns.length ? { done: counts } : { last: JSON.stringify(counts) };
            },
          );
          if (live && value.RUN_FAILED !== resumedRuns.length) {
            throw new Error(
              `at an address that always fails every run fails again: ${JSON.stringify(value)}`,
            );
          }
          return `${JSON.stringify(value)} after ${seconds(ms)}`;
        },
      ],
      [
        "dlq_delete by label",
        "that what the resumed runs left in the DLQ is deleted by the suite's label, every deleted id one listed under it, and nothing is left under it",
        async () => {
          const failedAgain = await session.call("workflow_runs", { workflowRuns: resumedRuns });
          const expected = (failedAgain.counts as Record<string, number>).RUN_FAILED ?? 0;
          const { value: back } = await eventually(
            "the re-failed runs in the DLQ",
            wait.long,
            wait.every,
            async () => {
              const data = await session.call("dlq_list", { ...byLabel, count: 100 });
              const messages = asArray<{ dlqId: string; label?: string; createdAt?: number }>(data.messages);
              if (messages.some((message) => message.label !== own.label)) {
                throw new Refused("the label filter listed another entry");
              }
              return messages.length >= expected
                ? { done: messages }
                : { last: `${messages.length} of ${expected}` };
            },
          );
          for (const message of back) {
            own.dlqIds.add(message.dlqId);
            own.newest = Math.max(own.newest, message.createdAt ?? Date.now());
          }
          // Every run has ended, so nothing more comes back under the label: a call by label that
          // left an entry out (see clockPast) is simply made again.
          await clockPast(raw, own.newest, wait);
          const deleted: string[] = [];
          const started = Date.now();
          do {
            if (deleted.length > 0) await sleep(wait.every);
            const data = await change(session, own, "dlq_delete", byLabel);
            deleted.push(...asArray<string>(data.deletedIds));
          } while (deleted.length < back.length && Date.now() - started < wait.long);
          const strangers = deleted.filter((id) => !own.dlqIds.has(id));
          if (strangers.length > 0)
            throw new Error(`deleted ids never listed under the label: ${strangers.join(", ")}`);
          const left = await session.call("dlq_list", { ...byLabel, count: 100 });
          if (asArray(left.messages).length > 0)
            throw new Error(`${asArray(left.messages).length} entries left`);
          return `${deleted.length} deleted, none left under ${own.label}`;
        },
      ],
    ];
    for (const [name, againstQStash, fn] of steps) {
      if (!(await checks.run(name, againstQStash, fn))) break;
    }
  } finally {
    await session.close().catch(() => undefined);
    await checks.run(
      "cleanup",
      "that nothing the suite made is left: entries still listed under its label, and carrying it, are deleted by id, and its key is not left paused",
      () => cleanup(target, raw, own, triggered.length),
    );
  }
}

/**
 * Independent of the server and of the label filter: whatever is listed under the label and
 * carries it (a random name nothing else carries) goes, by id, and the key is released.
 */
async function cleanup(target: LiveTarget, raw: Raw, own: Own, triggered: number): Promise<string> {
  let deleted = 0;
  // Runs QStash had not moved to the DLQ by now arrive later, under the label.
  const late =
    triggered > 0 && !own.labelFilterChecked
      ? `; runs that reach the DLQ later carry ${own.label}: delete them with dlq_delete {"filter": {"label": "${own.label}"}}`
      : "";
  if (triggered > 0) {
    const page = parseListBody(
      await raw.send("dlq-list-cleanup", "GET", `/v2/workflows/dlq?label=${own.label}&count=100`),
      "list",
    );
    for (const message of page.messages) {
      const carries = message.label === own.label || (message.labels ?? []).includes(own.label);
      if (!carries) continue;
      await raw.send(
        "dlq-delete-cleanup",
        "DELETE",
        `/v2/workflows/dlq/${encodeURIComponent(message.dlqId)}`,
      );
      deleted += 1;
    }
  }
  if (own.paused) {
    await raw.send("flow-resume-cleanup", "POST", `/v2/flowControl/${encodeURIComponent(own.key)}/resume`);
    own.paused = false;
  }
  // The published flow-control calls are get, list, pause, resume, pin, unpin and resetRate.
  const key =
    target.kind === "qstash" ? `; the key ${own.key} stays (QStash has no call that removes a key)` : "";
  const asked =
    own.confirmed > 0
      ? `; ${own.confirmed} change${own.confirmed === 1 ? "" : "s"} confirmed after their preview showed only the suite's own`
      : "";
  return `${deleted} entries left under ${own.label} were deleted${asked}${key}${late}`;
}
