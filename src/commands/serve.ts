/**
 * The MCP server itself: QStash (or the sandbox emulator) behind it, stdio or Streamable HTTP in
 * front of it.
 */
import { randomBytes } from "node:crypto";
import type { Flags } from "../cli.js";
import { resolveCredentials } from "../config.js";
import { defaultJournalPath, Journal } from "../journal.js";
import type { Logger } from "../log.js";
import { type CallPolicy, DEFAULT_CALL_POLICY } from "../policy.js";
import { QStashClient } from "../qstash/client.js";
import { createServer } from "../server.js";
import { PACKAGE_VERSION } from "../version.js";

const SANDBOX_ENTRIES = 600;
const DEFAULT_HTTP_PORT = 3333;

interface Backend {
  client: QStashClient;
  close: () => Promise<void>;
}

export async function serve(flags: Flags, log: Logger): Promise<void> {
  const policy = callPolicy(flags);
  const backend = flags.sandbox
    ? await sandboxBackend(flags, log, policy)
    : credentialsBackend(flags, log, policy);
  const journalPath = flags["no-journal"]
    ? undefined
    : (flags.journal ?? (flags.sandbox ? undefined : defaultJournalPath()));
  const journal = new Journal(journalPath, log);
  const serverOptions = {
    client: backend.client,
    log,
    readOnly: Boolean(flags["read-only"]),
    policy,
    journal,
  };
  const shutdown = async () => {
    journal.close();
    await backend.close();
  };

  if (flags.http) {
    const { serveHttp } = await import("../transports/http.js");
    const handle = await serveHttp({
      host: flags.host ?? "127.0.0.1",
      port: flags.port === undefined ? DEFAULT_HTTP_PORT : Number(flags.port),
      authToken: flags["auth-token"],
      allowedOrigins: listFlag(flags["allowed-origins"]),
      allowedHosts: listFlag(flags["allowed-hosts"]),
      createMcpServer: () => createServer({ ...serverOptions, stateless: true }),
      log,
      version: PACKAGE_VERSION,
    });
    log.log(
      "info",
      `MCP over Streamable HTTP at ${handle.url}${flags["auth-token"] ? " (bearer token required)" : ""}`,
    );
    const drainAndExit = () =>
      void handle
        .drain(policy.deadlineMs + 5_000)
        .then(shutdown)
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    process.once("SIGTERM", drainAndExit);
    process.once("SIGINT", drainAndExit);
    return;
  }
  const { serveStdio } = await import("../transports/stdio.js");
  await serveStdio(createServer(serverOptions), shutdown);
}

async function sandboxBackend(flags: Flags, log: Logger, policy: CallPolicy): Promise<Backend> {
  const { startEmulator } = await import("../emulator/index.js");
  const token = `sandbox_${randomBytes(12).toString("hex")}`;
  const emulator = await startEmulator({
    token,
    entries: flags["sandbox-entries"] ? Number(flags["sandbox-entries"]) : SANDBOX_ENTRIES,
    // Nobody reads the sandbox's request log; a long session must not grow it without end.
    maxRecordedRequests: 1_000,
  });
  const client = new QStashClient({ baseUrl: emulator.url, token, ...clientTuning(flags, policy) });
  log.log(
    "info",
    `sandbox: serving a local DLQ emulator with ${emulator.store.size} entries at ${emulator.url}`,
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
