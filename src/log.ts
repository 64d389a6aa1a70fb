/**
 * Diagnostics go to stderr, never stdout: in stdio mode stdout carries JSON-RPC only.
 */
import { NO_SECRET, type Redactor } from "./redact.js";

export type LogLevel = "debug" | "info" | "warning" | "error";

export interface Logger {
  log(level: LogLevel, message: string): void;
  /**
   * Scrubs every later line with this redactor. A logger is made before the QStash client that
   * knows the token, so the redactor arrives after it; loggers that write nowhere leave it out.
   */
  withRedactor?(redactor: Redactor): void;
}

export function stderrLogger(
  prefix = "workflow-dlq-mcp",
  quiet = false,
  redactor: Redactor = NO_SECRET,
): Logger {
  let current = redactor;
  return {
    log(level, message) {
      if (quiet && level !== "error") return;
      process.stderr.write(`${current.text(`[${prefix}] ${level}: ${message}`)}\n`);
    },
    withRedactor(next) {
      current = next;
    },
  };
}
