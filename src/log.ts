/**
 * Diagnostics go to stderr, never stdout: in stdio mode stdout carries JSON-RPC only.
 */
export type LogLevel = "debug" | "info" | "warning" | "error";

export interface Logger {
  log(level: LogLevel, message: string): void;
}

export function stderrLogger(prefix = "workflow-dlq-mcp", quiet = false): Logger {
  return {
    log(level, message) {
      if (quiet && level !== "error") return;
      process.stderr.write(`[${prefix}] ${level}: ${message}\n`);
    },
  };
}
