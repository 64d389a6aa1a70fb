#!/usr/bin/env node
/**
 * The workflow-dlq-mcp command: MCP over stdio against QStash or the sandbox, or the emulator alone.
 */
import { randomBytes } from "node:crypto";
import { type Flags, helpText, type Invocation, parseCommandLine } from "./cli.js";
import { resolveCredentials } from "./config.js";
import { startEmulator } from "./emulator/index.js";
import { defaultJournalPath, Journal } from "./journal.js";
import { stderrLogger } from "./log.js";
import { type CallPolicy, DEFAULT_CALL_POLICY } from "./policy.js";
import { QStashClient } from "./qstash/client.js";
import { createServer } from "./server.js";
import { serveStdio } from "./transports/stdio.js";
import { PACKAGE_VERSION } from "./version.js";

const SANDBOX_ENTRIES = 600;

async function main(): Promise<void> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`workflow-dlq-mcp: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const { command, flags } = invocation;
  if (command === "help") {
    process.stdout.write(helpText(PACKAGE_VERSION));
    return;
  }
  if (command === "version") {
    process.stdout.write(`${PACKAGE_VERSION}\n`);
    return;
  }
  const log = stderrLogger();
  const timeoutMs = flags.timeout ? Number(flags.timeout) * 1000 : undefined;

  if (command === "emulator") {
    const tokenFromEnv = flags.token ?? process.env.QSTASH_TOKEN;
    const token = tokenFromEnv ?? `emu_${randomBytes(12).toString("hex")}`;
    const emulator = await startEmulator({
      token,
      host: flags.host ?? "127.0.0.1",
      port: flags.port === undefined ? 8080 : Number(flags.port),
      ...(flags.entries ? { entries: Number(flags.entries) } : {}),
      ...(flags.seed ? { seed: Number(flags.seed) } : {}),
    });
    const shownToken = tokenFromEnv ? "(the token you gave)" : token;
    log.log("info", `DLQ emulator listening on ${emulator.url} with ${emulator.store.size} entries.`);
    log.log("info", `Point a client at it: QSTASH_URL=${emulator.url} QSTASH_TOKEN=${shownToken}`);
    const stop = () =>
      void emulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return;
  }

  let client: QStashClient;
  let cleanup: () => Promise<void>;
  if (flags.sandbox) {
    const token = `sandbox_${randomBytes(12).toString("hex")}`;
    const emulator = await startEmulator({
      token,
      entries: flags["sandbox-entries"] ? Number(flags["sandbox-entries"]) : SANDBOX_ENTRIES,
    });
    client = new QStashClient({ baseUrl: emulator.url, token, timeoutMs });
    log.log(
      "info",
      `sandbox: serving a local DLQ emulator with ${emulator.store.size} entries at ${emulator.url}`,
    );
    cleanup = async () => {
      await client.close();
      await emulator.close();
    };
  } else {
    const credentials = resolveCredentials();
    for (const warning of credentials.warnings) log.log("warning", warning);
    if (!credentials.token) {
      log.log(
        "warning",
        `${credentials.tokenVariable} is not set: tools will answer with an error until it is.`,
      );
    }
    client = new QStashClient({
      baseUrl: credentials.baseUrl,
      token: credentials.token,
      tokenVariable: credentials.tokenVariable,
      timeoutMs,
    });
    cleanup = () => client.close();
  }
  const journalPath = flags["no-journal"]
    ? undefined
    : (flags.journal ?? (flags.sandbox ? undefined : defaultJournalPath()));
  const journal = new Journal(journalPath, log);
  const server = createServer({
    client,
    log,
    readOnly: Boolean(flags["read-only"]),
    policy: callPolicy(flags),
    journal,
  });
  await serveStdio(server, async () => {
    journal.close();
    await cleanup();
  });
}

function callPolicy(flags: Flags): CallPolicy {
  return {
    deadlineMs: flags.deadline ? Number(flags.deadline) * 1000 : DEFAULT_CALL_POLICY.deadlineMs,
    ...(flags["max-runs-per-call"] ? { maxRunsPerCall: Number(flags["max-runs-per-call"]) } : {}),
    retry: {
      ...DEFAULT_CALL_POLICY.retry,
      ...(flags["max-attempts"] ? { maxAttempts: Number(flags["max-attempts"]) } : {}),
    },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`workflow-dlq-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
