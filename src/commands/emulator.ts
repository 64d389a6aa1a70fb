/**
 * `workflow-dlq-mcp emulator`: the local QStash DLQ alone, for curl or the official client.
 */
import { randomBytes } from "node:crypto";
import type { Flags } from "../cli.js";
import { startEmulator } from "../emulator/index.js";
import type { Logger } from "../log.js";

export async function runEmulator(flags: Flags, log: Logger): Promise<void> {
  // A token read from a mounted secret file often ends in a newline; it is not part of the token.
  const tokenFromEnv = (flags.token ?? process.env.QSTASH_TOKEN)?.trim() || undefined;
  const token = tokenFromEnv ?? `emu_${randomBytes(12).toString("hex")}`;
  const emulator = await startEmulator({
    token,
    host: flags.host ?? "127.0.0.1",
    port: flags.port === undefined ? 8080 : Number(flags.port),
    ...(flags.entries ? { entries: Number(flags.entries) } : {}),
    ...(flags.seed ? { seed: Number(flags.seed) } : {}),
    ...(flags.latency ? { latencyMs: Number(flags.latency) } : {}),
    ...(flags["refail-share"]
      ? {
          refail: {
            share: Number(flags["refail-share"]),
            ...(flags.seed ? { seed: Number(flags.seed) } : {}),
          },
        }
      : {}),
    maxRecordedRequests: 10_000,
    // Without delivery a run's fate is decided when it is resumed, and without a refail share
    // every run succeeds: the DLQ holds only what it was given, as a benchmark needs.
    ...(flags["runs-succeed"]
      ? {}
      : { delivery: { speedUp: flags["speed-up"] ? Number(flags["speed-up"]) : 1 } }),
  });
  // The emulator's own token is printed so it can be used; a token taken from the environment is not.
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
}
