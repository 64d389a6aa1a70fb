#!/usr/bin/env node
/**
 * The workflow-dlq-mcp command. Each mode's modules load only when that mode runs, so a plain
 * stdio start reads as little code as it can.
 */
import { helpText, type Invocation, parseCommandLine } from "./cli.js";
import { resolveCredentials } from "./config.js";
import { stderrLogger } from "./log.js";
import { Redactor } from "./redact.js";
import { PACKAGE_VERSION } from "./version.js";

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
    // Loaded only for the help: the other commands that need no tools read none.
    const { READ_ONLY_TOOLS } = await import("./tools/index.js");
    const readOnlyTools = READ_ONLY_TOOLS.map((tool) => tool.name);
    process.stdout.write(helpText(PACKAGE_VERSION, readOnlyTools));
    return;
  }
  if (command === "version") {
    process.stdout.write(`${PACKAGE_VERSION}\n`);
    return;
  }
  const log = stderrLogger();
  if (command === "emulator") {
    const { runEmulator } = await import("./commands/emulator.js");
    await runEmulator(flags, log);
    return;
  }
  const { serve } = await import("./commands/serve.js");
  await serve(flags, log);
}

main().catch((error: unknown) => {
  // A start-up failure may quote anything it met on the way, the token included.
  const redactor = new Redactor(resolveCredentials().token);
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`workflow-dlq-mcp: ${redactor.text(message)}\n`);
  process.exit(1);
});
