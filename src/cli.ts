/**
 * Command-line parsing. Every flag also reads WORKFLOW_DLQ_MCP_<FLAG> (upper snake case), so
 * clients whose configuration passes only environment variables can set it too.
 */
import { parseArgs } from "node:util";
import { parseScopeMap } from "./auth/scopes.js";
import { isLoopbackHost } from "./loopback.js";

interface FlagSpec {
  type: "boolean" | "string";
  /** Parses and checks a string flag; returns an error message on bad input. */
  check?: (value: string) => string | undefined;
  help: string;
  value?: string;
  /** A one-letter alias, for the flags people type before they have read the help. */
  short?: string;
}

/** An absolute URL, https unless it points at this machine (a test, a local provider). */
const publicUrl = (name: string) => (value: string) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} takes an absolute URL, got "${value}".`;
  }
  // Both URLs are published (the resource metadata names them): no credentials in them, nor in
  // this message.
  if (url.username || url.password) return `${name} takes a URL without a user name or password.`;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    return `${name} must be an https URL (http only on localhost), got "${value}".`;
  }
  if (url.hash || url.search) return `${name} takes a URL without query or fragment, got "${value}".`;
  return undefined;
};

const positiveInteger = (name: string) => (value: string) =>
  /^\d+$/.test(value) && Number(value) > 0
    ? undefined
    : `${name} takes a whole number greater than 0, got "${value}".`;
const positiveNumber = (name: string) => (value: string) =>
  /^\d+(\.\d+)?$/.test(value) && Number(value) > 0
    ? undefined
    : `${name} takes a number of seconds greater than 0, got "${value}".`;

export const FLAGS = {
  sandbox: {
    type: "boolean",
    help: "Serve against a local, seeded DLQ emulator instead of QStash (no account needed).",
  },
  "read-only": {
    type: "boolean",
    // helpText fills in {readOnlyTools} from the tool list, so the help never names a stale set.
    help: "Register only the read-only tools ({readOnlyTools}): the agent can look but not change anything.",
  },
  timeout: {
    type: "string",
    value: "SECONDS",
    check: positiveNumber("--timeout"),
    help: "Per-request timeout for QStash calls (default 30).",
  },
  deadline: {
    type: "string",
    value: "SECONDS",
    check: positiveNumber("--deadline"),
    help: "Time budget of one tool call; it then returns a cursor (default 25).",
  },
  "max-runs-per-call": {
    type: "string",
    value: "N",
    check: positiveInteger("--max-runs-per-call"),
    help: "Never resume more runs than this in one call (default: no cap).",
  },
  "max-attempts": {
    type: "string",
    value: "N",
    check: positiveInteger("--max-attempts"),
    help: "Attempts per QStash request on 429, 5xx, timeouts and dropped connections (default 4).",
  },
  journal: {
    type: "string",
    value: "PATH",
    help: "Audit journal file, JSON Lines (default $XDG_STATE_HOME or ~/.local/state, /workflow-dlq-mcp/journal.jsonl; off in the sandbox). - writes it to stdout, with --http only.",
  },
  "no-journal": { type: "boolean", help: "Write no audit journal." },
  "confirm-over": {
    type: "string",
    value: "N",
    check: positiveInteger("--confirm-over"),
    help: "Ask the user before a change of more than N entries, or of all of them (default 100).",
  },
  "cursor-lifetime": {
    type: "string",
    value: "SECONDS",
    check: positiveNumber("--cursor-lifetime"),
    help: "How long a change that asks first may be continued by cursor after it began; then it is sized and asked about anew (default 3600).",
  },
  "no-confirm": {
    type: "boolean",
    help: "Never ask before a change: for unattended automation that has its own safeguards.",
  },
  concurrency: {
    type: "string",
    value: "N",
    check: positiveInteger("--concurrency"),
    help: "Id batches (of up to 50) sent to QStash at once (default 4).",
  },
  "inline-runs": {
    type: "string",
    value: "N",
    check: positiveInteger("--inline-runs"),
    help: "Runs listed inline in a result; beyond that the full list is a resource (default 200).",
  },
  "max-result-chars": {
    type: "string",
    value: "N",
    check: (v) =>
      /^\d+$/.test(v) && Number(v) >= 10_000
        ? undefined
        : `--max-result-chars takes a whole number of at least 10000 (a summary and a page of runs), got "${v}".`,
    help: "Text of one tool result, at most; a call that would exceed it stops early with a cursor (default 40000).",
  },
  "drain-grace": {
    type: "string",
    value: "SECONDS",
    check: positiveNumber("--drain-grace"),
    help: "On shutdown (SIGTERM, stdin closing), how long calls in flight may take to finish (default 20).",
  },
  http: { type: "boolean", help: "Serve MCP over Streamable HTTP at /mcp (stateless) instead of stdio." },
  "auth-token": {
    type: "string",
    value: "TOKEN",
    help: "HTTP: one bearer token every client sends (a single operator); a --host that is not loopback needs this or --oauth-issuer.",
  },
  "oauth-issuer": {
    type: "string",
    value: "URL",
    check: publicUrl("--oauth-issuer"),
    help: "HTTP: sign in with this identity provider (its issuer URL, exactly as its metadata names it); needs --resource-url.",
  },
  "resource-url": {
    type: "string",
    value: "URL",
    check: publicUrl("--resource-url"),
    help: "HTTP with --oauth-issuer: this server's public MCP URL (https://…/mcp), which access tokens must be issued for (their aud).",
  },
  "oauth-scope-map": {
    type: "string",
    value: "MAP",
    check: (value) => {
      const scopes = parseScopeMap(value);
      return typeof scopes === "string" ? scopes : undefined;
    },
    help: "HTTP with --oauth-issuer: the provider's names for the two scopes, as dlq:read=NAME,dlq:write=NAME (default dlq:read and dlq:write).",
  },
  "allowed-origins": {
    type: "string",
    value: "LIST",
    help: "HTTP: comma-separated browser origins allowed besides loopback ones.",
  },
  "allowed-hosts": {
    type: "string",
    value: "LIST",
    help: "HTTP: comma-separated Host header names accepted (checked on loopback, or whenever given).",
  },
  "sandbox-entries": {
    type: "string",
    value: "N",
    check: positiveInteger("--sandbox-entries"),
    help: "Entries seeded into the sandbox DLQ (default 600).",
  },
  port: {
    type: "string",
    value: "PORT",
    check: (v) =>
      /^\d+$/.test(v) && Number(v) < 65536 ? undefined : `--port takes a port number, got "${v}".`,
    help: "HTTP and emulator: port to listen on (default 3333 and 8080; 0 picks a free one).",
  },
  host: {
    type: "string",
    value: "HOST",
    help: "HTTP and emulator: address to listen on (default 127.0.0.1).",
  },
  entries: {
    type: "string",
    value: "N",
    check: positiveInteger("--entries"),
    help: "emulator: entries to seed (default 300).",
  },
  seed: {
    type: "string",
    value: "N",
    check: positiveInteger("--seed"),
    help: "emulator: seed of the generated entries and of which resumed runs fail again (default 1).",
  },
  latency: {
    type: "string",
    value: "MS",
    check: (v) => (/^\d+$/.test(v) ? undefined : `--latency takes whole milliseconds, got "${v}".`),
    help: "emulator: milliseconds added before every answer, to mimic a network (default 0).",
  },
  "refail-share": {
    type: "string",
    value: "SHARE",
    check: (v) =>
      /^(0(\.\d+)?|1(\.0+)?)$/.test(v) ? undefined : `--refail-share takes a number from 0 to 1, got "${v}".`,
    help: "emulator and sandbox: share of resumed runs that fail again and re-enter the DLQ (default 0.1); a run that failed with a 4xx other than 429 fails again at least 9 times in 10.",
  },
  "runs-succeed": {
    type: "boolean",
    help: "emulator: every resumed run succeeds at once, so nothing re-enters the DLQ (what a benchmark needs; not with --refail-share).",
  },
  "speed-up": {
    type: "string",
    value: "FACTOR",
    check: (v) =>
      /^\d+(\.\d+)?$/.test(v) && Number(v) >= 1 && Number(v) <= 1000
        ? undefined
        : `--speed-up takes a factor from 1 to 1000, got "${v}".`,
    help: "emulator and sandbox: run resumed work at its flow-control pace this many times faster than real time (default 1).",
  },
  token: {
    type: "string",
    value: "TOKEN",
    help: "emulator: token clients must send (default: QSTASH_TOKEN, else generated and printed).",
  },
  help: { type: "boolean", short: "h", help: "Show this help." },
  version: { type: "boolean", short: "v", help: "Show the version." },
} satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;
export type Flags = { [K in FlagName]?: (typeof FLAGS)[K]["type"] extends "boolean" ? boolean : string };

export interface Invocation {
  command: "serve" | "emulator" | "help" | "version";
  flags: Flags;
}

export function envName(flag: string): string {
  return `WORKFLOW_DLQ_MCP_${flag.replaceAll("-", "_").toUpperCase()}`;
}

const RUN_HELP = "Run workflow-dlq-mcp --help.";
/** Journal paths that are stdout: over stdio that is the JSON-RPC channel. */
const JOURNAL_ON_STDOUT = new Set(["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]);

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = process.env): Invocation {
  const { values, positionals } = parseFlags(argv);
  const flags: Record<string, string | boolean> = {};
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    let value = values[name] as string | boolean | undefined;
    const fromEnv = env[envName(name)];
    if (
      value === undefined &&
      fromEnv !== undefined &&
      fromEnv !== "" &&
      name !== "help" &&
      name !== "version"
    ) {
      value = spec.type === "boolean" ? /^(1|true|yes|on)$/i.test(fromEnv) : fromEnv;
    }
    if (value === undefined) continue;
    if (typeof value === "string" && spec.check) {
      const problem = spec.check(value);
      if (problem) throw new Error(problem);
    }
    flags[name] = value;
  }
  if (positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== "emulator")) {
    throw new Error(`Unknown command "${positionals.join(" ")}". ${RUN_HELP}`);
  }
  if (
    JOURNAL_ON_STDOUT.has(String(flags.journal)) &&
    !flags.http &&
    !flags.help &&
    !flags.version &&
    positionals[0] !== "emulator"
  ) {
    throw new Error(
      `--journal - writes the journal to stdout, which carries JSON-RPC over stdio: give it a file path, or serve with --http. ${RUN_HELP}`,
    );
  }
  if (flags["runs-succeed"] && flags["refail-share"] !== undefined) {
    throw new Error(
      `--runs-succeed sends no run back to the DLQ, and --refail-share says how many to send: keep one of them. ${RUN_HELP}`,
    );
  }
  const oauth = ["oauth-issuer", "resource-url", "oauth-scope-map"].filter(
    (name) => flags[name] !== undefined,
  );
  if (oauth.length > 0 && !(flags.help || flags.version)) {
    if (flags["auth-token"] !== undefined) {
      throw new Error(
        `--auth-token (one shared secret) and --${oauth[0]} (sign-in with an identity provider) are two ways to let clients in: keep one of them. ${RUN_HELP}`,
      );
    }
    if (!flags.http || positionals[0] === "emulator") {
      throw new Error(`--${oauth[0]} signs in clients of the HTTP server: add --http. ${RUN_HELP}`);
    }
    if (flags["oauth-issuer"] === undefined || flags["resource-url"] === undefined) {
      throw new Error(
        `Sign-in needs both --oauth-issuer (the identity provider) and --resource-url (this server's public /mcp URL). ${RUN_HELP}`,
      );
    }
  }
  if (flags["no-confirm"] && flags["confirm-over"] !== undefined) {
    throw new Error(
      `--no-confirm never asks, and --confirm-over says when to ask: keep one of them. ${RUN_HELP}`,
    );
  }
  const command = flags.help
    ? "help"
    : flags.version
      ? "version"
      : positionals[0] === "emulator"
        ? "emulator"
        : "serve";
  return { command, flags: flags as Flags };
}

function parseFlags(argv: string[]): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({
      args: argv,
      options: Object.fromEntries(
        (Object.entries(FLAGS) as [FlagName, FlagSpec][]).map(([name, spec]) => [
          name,
          spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new Error(commandLineProblem(error as Error & { code?: string }));
  }
}

/**
 * Node's own texts explain how to pass a positional that starts with a dash, which is not what
 * someone who mistyped a flag needs to read.
 */
function commandLineProblem(error: Error & { code?: string }): string {
  const option = /'(?:-\w, )?(--?[^' ]+)/.exec(error.message)?.[1];
  if (option && error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return `Unknown option ${option}. ${RUN_HELP}`;
  }
  if (option && /argument missing/.test(error.message)) {
    const value = (FLAGS as Record<string, FlagSpec>)[option.replace(/^--/, "")]?.value ?? "VALUE";
    return `${option} needs a value, as in ${option} ${value}. ${RUN_HELP}`;
  }
  if (option && /does not take an argument/.test(error.message)) {
    return `${option} is a switch and takes no value: write ${option} alone. ${RUN_HELP}`;
  }
  return `${error.message.split("\n")[0]} ${RUN_HELP}`;
}

/**
 * The `--help` text. `readOnlyTools` are the tools read-only mode keeps, passed in from the tool
 * list rather than imported, so that parsing the command line loads none of the tools.
 */
export function helpText(version: string, readOnlyTools: readonly string[]): string {
  const lines = [
    `workflow-dlq-mcp ${version} — an MCP server that lists and resumes Upstash Workflow runs from the QStash DLQ.`,
    "",
    "Usage:",
    "  workflow-dlq-mcp [options]            MCP over stdio, against QStash (QSTASH_TOKEN, QSTASH_URL, QSTASH_REGION)",
    "  workflow-dlq-mcp --sandbox            MCP over stdio, against a local seeded DLQ emulator",
    "  workflow-dlq-mcp emulator [options]   run the DLQ emulator alone (point curl or @upstash/workflow at it)",
    "",
    "Options:",
  ];
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    const env = name === "help" || name === "version" ? "" : `  [${envName(name)}]`;
    const help = spec.help.replace("{readOnlyTools}", readOnlyTools.join(", "));
    lines.push(`  ${flag.padEnd(24)}${help}${env}`);
  }
  return `${lines.join("\n")}\n`;
}
