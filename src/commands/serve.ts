/**
 * The MCP server itself: QStash (or the sandbox emulator) behind it, stdio or Streamable HTTP in
 * front of it.
 */
import { randomBytes } from "node:crypto";
import { IssuerMisconfigured } from "../auth/issuer.js";
import { ResourceServer } from "../auth/resource.js";
import { DEFAULT_SCOPES, parseScopeMap } from "../auth/scopes.js";
import { CallTracker } from "../calls.js";
import type { Flags } from "../cli.js";
import { resolveCredentials } from "../config.js";
import { defaultJournalPath, Journal } from "../journal.js";
import type { Logger } from "../log.js";
import { OperationLedger } from "../mcp/confirm/operations.js";
import { type CallPolicy, DEFAULT_CALL_POLICY } from "../policy.js";
import { QStashClient } from "../qstash/client.js";
import { createServer } from "../server.js";
import { PACKAGE_VERSION } from "../version.js";

const SANDBOX_ENTRIES = 600;
/** Enough resumed runs fail again that the sandbox shows it, few enough that a drain ends. */
const SANDBOX_REFAIL_SHARE = 0.1;
const DEFAULT_HTTP_PORT = 3333;
/**
 * How long a shutdown waits for the calls in flight. Calls start no new page once it begins, so
 * this only has to cover the pages already under way; with the closing after it, a shutdown fits
 * inside Kubernetes' default 30 s termination grace period.
 */
const DEFAULT_DRAIN_GRACE_MS = 20_000;
const BACKEND_CLOSE_MS = 2_000;

interface Backend {
  client: QStashClient;
  close: () => Promise<void>;
}

export async function serve(flags: Flags, log: Logger): Promise<void> {
  const policy = callPolicy(flags);
  const backend = flags.sandbox
    ? await sandboxBackend(flags, log, policy)
    : credentialsBackend(flags, log, policy);
  // The logger was made before the token was known; from here on it scrubs every line.
  log.withRedactor?.(backend.client.redactor);
  const journalPath = flags["no-journal"]
    ? undefined
    : (flags.journal ?? (flags.sandbox ? undefined : defaultJournalPath()));
  const journal = new Journal(journalPath, log, { redactor: backend.client.redactor });
  const graceMs = flags["drain-grace"] ? Number(flags["drain-grace"]) * 1000 : DEFAULT_DRAIN_GRACE_MS;
  // One tracker for every server of the process: a shutdown waits for all their calls.
  const calls = new CallTracker();
  const serverOptions = {
    client: backend.client,
    log,
    readOnly: Boolean(flags["read-only"]),
    policy,
    journal,
    calls,
    // One memory of spent tokens and operations' allowances for every server of the process.
    operations: new OperationLedger(),
  };
  // The journal closes last, so every line written by a call that settled in time is kept.
  const closeBackendAndJournal = async () => {
    try {
      await closeWithin(backend.close(), BACKEND_CLOSE_MS);
    } finally {
      journal.close();
    }
  };
  // No count in these lines: a call is tracked both as a request and by its tool.
  const unsettled = () =>
    log.log(
      "warning",
      `Calls still running ${graceMs / 1000} s into the shutdown (--drain-grace) were cut off: the journal may miss their last requests or outcome.`,
    );

  if (flags.http) {
    const { serveHttp } = await import("../transports/http.js");
    const resourceServer = await signIn(flags, log);
    const handle = await serveHttp({
      host: flags.host ?? "127.0.0.1",
      port: flags.port === undefined ? DEFAULT_HTTP_PORT : Number(flags.port),
      authToken: flags["auth-token"],
      ...(resourceServer ? { resourceServer } : {}),
      allowedOrigins: listFlag(flags["allowed-origins"]),
      allowedHosts: listFlag(flags["allowed-hosts"]),
      createMcpServer: () =>
        createServer({
          ...serverOptions,
          stateless: true,
          ...(resourceServer ? { scopes: resourceServer.settings.scopes } : {}),
        }),
      calls,
      log,
      version: PACKAGE_VERSION,
    });
    let drainEndsAt: number | undefined;
    const drainAndExit = (signal: NodeJS.Signals) => {
      if (drainEndsAt !== undefined) {
        // Orchestrators and impatient operators signal again; dying now would cut off the
        // resumes the drain is waiting for and leave their outcome out of the journal.
        const left = Math.max(0, Math.ceil((drainEndsAt - Date.now()) / 1000));
        log.log(
          "warning",
          `${signal} again: still draining the calls in flight, for at most ${left} s more. SIGKILL stops at once.`,
        );
        return;
      }
      drainEndsAt = Date.now() + graceMs;
      log.log("info", `${signal}: draining; the calls in flight have ${graceMs / 1000} s to finish.`);
      void handle
        .drain(graceMs)
        .then(async (settled) => {
          if (!settled) unsettled();
          await closeBackendAndJournal();
          return settled;
        })
        .then(
          (settled) => process.exit(settled ? 0 : 1),
          (error: unknown) => {
            log.log("error", `shutdown failed: ${(error as Error).message}`);
            process.exit(1);
          },
        );
    };
    process.on("SIGTERM", drainAndExit);
    process.on("SIGINT", drainAndExit);
    // Announced only once the signals are handled: whoever reads this line may stop the server
    // at once, and must not kill it by doing so.
    log.log(
      "info",
      `MCP over Streamable HTTP at ${handle.url}${
        resourceServer
          ? ` (sign-in with ${resourceServer.settings.issuer} for ${resourceServer.settings.resourceUrl.href})`
          : flags["auth-token"]
            ? " (bearer token required)"
            : ""
      }`,
    );
    return;
  }
  const { serveStdio } = await import("../transports/stdio.js");
  await serveStdio(() => createServer(serverOptions), {
    log,
    calls,
    settle: async () => {
      const settled = await calls.settle(graceMs);
      if (!settled) unsettled();
      return settled;
    },
    onClose: closeBackendAndJournal,
  });
}

/**
 * The resource server, when sign-in is configured. Its provider's metadata is read now: a wrong
 * issuer stops the start with what to set; a provider that cannot be reached only warns, since
 * every request tries again (a replica must not fail to start because the provider blinked).
 */
async function signIn(flags: Flags, log: Logger): Promise<ResourceServer | undefined> {
  const issuer = flags["oauth-issuer"];
  const resourceUrl = flags["resource-url"];
  if (issuer === undefined || resourceUrl === undefined) return undefined;
  const scopes = flags["oauth-scope-map"] ? parseScopeMap(flags["oauth-scope-map"]) : DEFAULT_SCOPES;
  // The command line was checked already; a bad map cannot reach here.
  if (typeof scopes === "string") throw new Error(scopes);
  const resourceServer = new ResourceServer(
    { issuer, resourceUrl: new URL(resourceUrl), scopes },
    (message) => log.log("warning", message),
  );
  try {
    await resourceServer.prepare();
  } catch (error) {
    if (error instanceof IssuerMisconfigured) throw error;
    log.log("warning", `${(error as Error).message} Each request tries again.`);
  }
  return resourceServer;
}

/**
 * Closing the QStash pool waits for the requests still running; past the grace a shutdown
 * abandons them rather than outlast the orchestrator's patience.
 */
async function closeWithin(closing: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    closing,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function sandboxBackend(flags: Flags, log: Logger, policy: CallPolicy): Promise<Backend> {
  const { startEmulator } = await import("../emulator/index.js");
  const token = `sandbox_${randomBytes(12).toString("hex")}`;
  const refailShare = flags["refail-share"] ? Number(flags["refail-share"]) : SANDBOX_REFAIL_SHARE;
  const emulator = await startEmulator({
    token,
    entries: flags["sandbox-entries"] ? Number(flags["sandbox-entries"]) : SANDBOX_ENTRIES,
    // Nobody reads the sandbox's request log; a long session must not grow it without end.
    maxRecordedRequests: 1_000,
    refail: { share: refailShare },
    delivery: { speedUp: flags["speed-up"] ? Number(flags["speed-up"]) : 1 },
  });
  const client = new QStashClient({ baseUrl: emulator.url, token, ...clientTuning(flags, policy) });
  log.log(
    "info",
    `sandbox: serving a local DLQ emulator with ${emulator.store.size} entries at ${emulator.url}` +
      "; resumed runs run at their flow-control pace, a 4xx failure mostly fails again" +
      (refailShare > 0
        ? `, and about ${Math.round(refailShare * 100)}% of the others do`
        : ", the others succeed"),
  );
  return {
    client,
    close: async () => {
      await client.close();
      await emulator.close();
    },
  };
}

function credentialsBackend(flags: Flags, log: Logger, policy: CallPolicy): Backend {
  const credentials = resolveCredentials();
  for (const warning of credentials.warnings) log.log("warning", warning);
  if (!credentials.token) {
    log.log(
      "warning",
      `${credentials.tokenVariable} is not set: tools will answer with an error until it is.`,
    );
  }
  const client = new QStashClient({
    baseUrl: credentials.baseUrl,
    token: credentials.token,
    tokenVariable: credentials.tokenVariable,
    ...clientTuning(flags, policy),
  });
  return { client, close: () => client.close() };
}

function clientTuning(flags: Flags, policy: CallPolicy): { timeoutMs?: number; connections: number } {
  return {
    ...(flags.timeout ? { timeoutMs: Number(flags.timeout) * 1000 } : {}),
    connections: policy.idConcurrency,
  };
}

function callPolicy(flags: Flags): CallPolicy {
  return {
    deadlineMs: flags.deadline ? Number(flags.deadline) * 1000 : DEFAULT_CALL_POLICY.deadlineMs,
    ...(flags["max-runs-per-call"] ? { maxRunsPerCall: Number(flags["max-runs-per-call"]) } : {}),
    idConcurrency: flags.concurrency ? Number(flags.concurrency) : DEFAULT_CALL_POLICY.idConcurrency,
    inlineRuns: flags["inline-runs"] ? Number(flags["inline-runs"]) : DEFAULT_CALL_POLICY.inlineRuns,
    maxResultChars: flags["max-result-chars"]
      ? Number(flags["max-result-chars"])
      : DEFAULT_CALL_POLICY.maxResultChars,
    ...(flags["no-confirm"]
      ? {}
      : {
          confirmOver: flags["confirm-over"]
            ? Number(flags["confirm-over"])
            : DEFAULT_CALL_POLICY.confirmOver,
        }),
    operationLifetimeMs: flags["cursor-lifetime"]
      ? Number(flags["cursor-lifetime"]) * 1000
      : DEFAULT_CALL_POLICY.operationLifetimeMs,
    retry: {
      ...DEFAULT_CALL_POLICY.retry,
      ...(flags["max-attempts"] ? { maxAttempts: Number(flags["max-attempts"]) } : {}),
    },
  };
}

function listFlag(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
}
