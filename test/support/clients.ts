/**
 * The two MCP clients the suite drives the server with, behind one interface:
 * - "2025-11-25": the v1 SDK's `Client`, opening with `initialize`, as most desktop and IDE
 *   clients still do;
 * - "2026-07-28": the v2 SDK's `Client` pinned to the 2026-07-28 revision, opening with
 *   `server/discover`, with no session and a per-request `_meta` envelope.
 * `WORKFLOW_DLQ_MCP_TEST_ERA` picks the one the end-to-end suite uses; tests that compare the two
 * ask for each by name.
 */
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
  type Transport as ModernTransport,
} from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdio } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdio } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CallToolResult,
  ElicitRequestSchema,
  type Implementation,
  type ListResourcesResult,
  type ListToolsResult,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
  type Progress,
  type ProgressNotification,
  ProgressNotificationSchema,
  type ReadResourceResult,
} from "@modelcontextprotocol/sdk/types.js";

export type Era = "2025-11-25" | "2026-07-28";
export const ERAS: readonly Era[] = ["2025-11-25", "2026-07-28"];

export const SUITE_ERA: Era =
  process.env.WORKFLOW_DLQ_MCP_TEST_ERA === "2026-07-28" ? "2026-07-28" : "2025-11-25";

type LogLevel = "debug" | "info" | "notice" | "warning" | "error";
type LogParams = LoggingMessageNotification["params"];
type ProgressParams = ProgressNotification["params"];

export interface CallOptions {
  signal?: AbortSignal;
  timeout?: number;
  resetTimeoutOnProgress?: boolean;
  onprogress?: (progress: Progress) => void;
}

export interface StdioLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** What the tests use of an MCP client, the same whichever SDK and protocol era is behind it. */
export interface McpTestClient {
  readonly era: Era;
  /** The child's stderr, for stdio connections. */
  readonly stderr: NodeJS.ReadableStream | null;
  /** The server's pid, for stdio connections. */
  readonly pid: number | null;
  callTool(
    params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> },
    options?: CallOptions,
  ): Promise<CallToolResult>;
  listTools(): Promise<ListToolsResult>;
  listResources(): Promise<ListResourcesResult>;
  readResource(params: { uri: string }): Promise<ReadResourceResult>;
  getServerVersion(): Implementation | undefined;
  /** The server's instructions for the session, as the client received them. */
  getInstructions(): string | undefined;
  /** Log messages of at least `level`: `logging/setLevel` on 2025-11-25, the per-request envelope on 2026-07-28. */
  onLog(level: LogLevel, handler: (params: LogParams) => void): Promise<void>;
  /**
   * Every progress notification as it arrives. The SDKs hand progress to `onprogress` a microtask
   * after they read it, so one that arrives with the response can miss the caller.
   */
  onProgress(handler: (params: ProgressParams) => void): void;
  /** Transport errors (a line on stdout that is not JSON-RPC, a broken stream). */
  onTransportError(handler: (error: Error) => void): void;
  /** Called when the connection closes from either side. */
  onClose(handler: () => void): void;
  close(): Promise<void>;
}

const CLIENT_INFO = { name: "workflow-dlq-mcp-tests", version: "0.0.0" };
const LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel";

/**
 * The SDK's own stdio transport probes for the era on a second, short-lived server process; a
 * subclass probes in place, on the one process a test watches, as other hosts' transports do.
 */
class InPlaceStdio extends ModernStdio {}

/**
 * A client that can put a question to its user (form elicitation, as Claude Code, VS Code and
 * Cursor do): it declares the capability and answers each question with what this returns.
 */
export interface Answer {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown>;
}
export type Asker = (message: string, requestedSchema: unknown) => Answer | Promise<Answer>;

export async function connectStdio(
  launch: StdioLaunch,
  era: Era = SUITE_ERA,
  asks?: Asker,
): Promise<McpTestClient> {
  const params = { ...launch, stderr: "pipe" as const };
  if (era === "2025-11-25") {
    const transport = new LegacyStdio(params);
    return legacy(
      transport,
      () => transport.stderr as NodeJS.ReadableStream | null,
      () => transport.pid,
      asks,
    );
  }
  const transport = new InPlaceStdio(params);
  return modern(
    transport,
    () => transport.stderr as NodeJS.ReadableStream | null,
    () => transport.pid,
    asks,
  );
}

export async function connectHttp(
  url: string,
  headers: Record<string, string> = {},
  era: Era = SUITE_ERA,
  asks?: Asker,
): Promise<McpTestClient> {
  const init = { requestInit: { headers } };
  if (era === "2025-11-25") return legacy(new LegacyHttp(new URL(url), init), nothing, nothing, asks);
  return modern(new ModernHttp(new URL(url), init), nothing, nothing, asks);
}

const ELICITATION = { elicitation: { form: {} } };

/** A client of the era on a transport of the test's own (both SDKs' transports have one shape). */
export function connectTransport(transport: Transport, era: Era = SUITE_ERA): Promise<McpTestClient> {
  return era === "2025-11-25"
    ? legacy(transport, nothing, nothing)
    : modern(transport as unknown as ModernHttp, nothing, nothing);
}

const nothing = () => null;

interface TransportHooks {
  onerror?: (error: Error) => void;
  onclose?: () => void;
}

/** Handlers chained after the client's own, which it installs while connecting. */
function hooks(transport: TransportHooks) {
  return {
    onTransportError(handler: (error: Error) => void) {
      const own = transport.onerror;
      transport.onerror = (error) => {
        handler(error);
        own?.(error);
      };
    },
    onClose(handler: () => void) {
      const own = transport.onclose;
      transport.onclose = () => {
        own?.();
        handler();
      };
    },
  };
}

async function legacy(
  transport: Transport,
  stderr: () => NodeJS.ReadableStream | null,
  pid: () => number | null,
  asks?: Asker,
): Promise<McpTestClient> {
  const client = new LegacyClient(CLIENT_INFO, asks ? { capabilities: ELICITATION } : undefined);
  if (asks) {
    client.setRequestHandler(
      ElicitRequestSchema,
      async (request) =>
        (await asks(
          request.params.message,
          (request.params as { requestedSchema?: unknown }).requestedSchema,
        )) as never,
    );
  }
  // Read before connecting: the child's stderr pipe exists only from then on for stdio.
  const connected = client.connect(transport);
  const stream = stderr();
  await connected;
  return {
    era: "2025-11-25",
    stderr: stream ?? stderr(),
    pid: pid(),
    callTool: async (params, options) =>
      (await client.callTool(params, undefined, options)) as CallToolResult,
    listTools: () => client.listTools(),
    listResources: () => client.listResources(),
    readResource: (params) => client.readResource(params),
    getServerVersion: () => client.getServerVersion(),
    getInstructions: () => client.getInstructions(),
    onLog: async (level, handler) => {
      client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) =>
        handler(notification.params),
      );
      await client.setLoggingLevel(level);
    },
    onProgress: (handler) =>
      client.setNotificationHandler(ProgressNotificationSchema, (notification) =>
        handler(notification.params),
      ),
    ...hooks(transport),
    close: () => client.close(),
  };
}

async function modern(
  transport: InPlaceStdio | ModernHttp | ModernTransport,
  stderr: () => NodeJS.ReadableStream | null,
  pid: () => number | null,
  asks?: Asker,
): Promise<McpTestClient> {
  const client = new ModernClient(CLIENT_INFO, {
    versionNegotiation: { mode: { pin: "2026-07-28" } },
    ...(asks ? { capabilities: ELICITATION } : {}),
  });
  if (asks) {
    client.setRequestHandler("elicitation/create", async (request) => {
      const params = request.params as { message: string; requestedSchema?: unknown };
      return asks(params.message, params.requestedSchema) as never;
    });
  }
  const connected = client.connect(transport);
  const stream = stderr();
  await connected;
  if (client.getProtocolEra() !== "modern") throw new Error("the server did not offer 2026-07-28");
  let logLevel: LogLevel | undefined;
  const withEnvelope = <T extends { _meta?: Record<string, unknown> }>(params: T): T =>
    logLevel === undefined ? params : { ...params, _meta: { ...params._meta, [LOG_LEVEL_KEY]: logLevel } };
  return {
    era: "2026-07-28",
    stderr: stream ?? stderr(),
    pid: pid(),
    callTool: async (params, options) =>
      (await client.callTool(withEnvelope(params), options)) as unknown as CallToolResult,
    listTools: async () => (await client.listTools()) as unknown as ListToolsResult,
    listResources: async () => (await client.listResources()) as unknown as ListResourcesResult,
    readResource: async (params) =>
      (await client.readResource(
        withEnvelope(params as { uri: string; _meta?: Record<string, unknown> }),
      )) as unknown as ReadResourceResult,
    getServerVersion: () => client.getServerVersion(),
    getInstructions: () => client.getInstructions(),
    onLog: async (level, handler) => {
      client.setNotificationHandler("notifications/message", (notification) =>
        handler(notification.params as LogParams),
      );
      logLevel = level;
    },
    onProgress: (handler) =>
      client.setNotificationHandler("notifications/progress", (notification) =>
        handler(notification.params as ProgressParams),
      ),
    ...hooks(transport),
    close: () => client.close(),
  };
}
