/**
 * A real server from createServer, reached through the SDK's in-memory transport, its QStash
 * client pointed at an emulator on loopback: for property tests that make thousands of calls,
 * where a process per call would cost more than the calls.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { CallPolicy } from "../../src/policy.js";
import { QStashClient } from "../../src/qstash/client.js";
import { createServer } from "../../src/server.js";
import { TEST_TOKEN } from "./harness.js";

export interface InMemoryServer {
  client: Client;
  call: (tool: string, args: Record<string, unknown>) => Promise<CallToolResult>;
  /** Closes the client and the QStash client; the emulator is the caller's. */
  close: () => Promise<void>;
}

export async function serveInMemory(options: {
  qstashUrl: string;
  name: string;
  policy?: CallPolicy;
  timeoutMs?: number;
}): Promise<InMemoryServer> {
  const qstash = new QStashClient({
    baseUrl: options.qstashUrl,
    token: TEST_TOKEN,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const server = createServer({
    client: qstash,
    log: { log: () => {} },
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: options.name, version: "0.0.0" });
  await client.connect(clientSide);
  // Listing first makes the client check every structured result against the tool's output schema.
  await client.listTools();
  return {
    client,
    call: async (tool, args) => (await client.callTool({ name: tool, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await qstash.close();
    },
  };
}
