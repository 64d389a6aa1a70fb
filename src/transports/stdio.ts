/**
 * MCP over stdin/stdout, the way desktop and IDE clients start a server.
 */

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

export async function serveStdio(server: McpServer, onClose: () => Promise<void>): Promise<void> {
  const transport = new StdioServerTransport();
  // One shutdown, however many ways it is asked for (stdin closing, the transport, signals).
  let shutdown: Promise<void> | undefined;
  const stop = () => {
    shutdown ??= server
      .close()
      .catch(() => {})
      .then(onClose)
      .catch((error: unknown) => {
        process.stderr.write(`[workflow-dlq-mcp] error: shutdown failed: ${(error as Error).message}\n`);
      });
    return shutdown;
  };
  transport.onclose = () => void stop();
  process.stdin.on("end", () => void stop());
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => void stop().then(() => process.exit(0)));
  }
  await server.connect(transport);
}
