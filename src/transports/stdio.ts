/**
 * MCP over stdin/stdout, the way desktop and IDE clients start a server.
 */
import { PassThrough, Transform, type TransformCallback } from "node:stream";
import type { JSONRPCMessage, McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport, serveStdio as serveStdioWithSdk } from "@modelcontextprotocol/server/stdio";
import { type CallTracker, trackRequests } from "../calls.js";
import type { Logger } from "../log.js";

/** The largest message read from stdin, as the SDK's own transport allows. */
export const MAX_STDIO_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface StdioServeOptions {
  log: Logger;
  /** Every request is a call in flight until it is answered. */
  calls?: CallTracker;
  /** Waits for the calls in flight; resolves false when some were still running at the end. */
  settle: () => Promise<boolean>;
  /** Closes what the server used (the backend, then the journal), after the session closed. */
  onClose: () => Promise<void>;
  maxMessageBytes?: number;
}

/**
 * Serves one connection from `createMcpServer`; the client's opening message decides its protocol
 * era (2026-07-28 by `server/discover`, 2025 and older by `initialize`).
 */
export async function serveStdio(
  createMcpServer: () => McpServer,
  options: StdioServeOptions,
): Promise<void> {
  const maxBytes = options.maxMessageBytes ?? MAX_STDIO_MESSAGE_BYTES;
  const lines = new LineFramer(maxBytes, (bytes) => {
    options.log.log(
      "warning",
      `Refused a ${bytes}-byte message on stdin: the limit is ${maxBytes} bytes. The session goes on.`,
    );
    // The one cast through unknown in the source: JSON-RPC 2.0 answers a request whose id could
    // not be read with `"id": null`, which the SDK's message type does not allow.
    void transport
      .send({
        jsonrpc: "2.0",
        id: null,
        error: {
          code: -32600,
          message: `Request too large: a message may be at most ${formatBytes(maxBytes)} (${maxBytes} bytes), this one had ${bytes} bytes. It was not processed.`,
        },
      } as unknown as JSONRPCMessage)
      .catch(() => {});
  });
  // The SDK's transport closes the connection, and drops every answer still to come, as soon as
  // its input ends; it reads a stream that never does, and the end of stdin starts the shutdown,
  // which waits for the calls in flight before it closes the connection.
  const feed = new PassThrough();
  lines.pipe(feed, { end: false });
  // The framer bounds every message and hands over one whole line at a time, so the SDK's own
  // limit, which closes the session without a reply, never has to apply.
  const transport = new StdioServerTransport(feed, process.stdout, {
    maxBufferSize: Number.POSITIVE_INFINITY,
  });

  // One shutdown, however many ways it is asked for (stdin closing, the transport, signals).
  // Assigned before any of it runs: closing the server closes the transport, whose onclose asks
  // for the shutdown again.
  let shutdown: Promise<boolean> | undefined;
  let connection: { close(): Promise<void> } | undefined;
  const stop = (): Promise<boolean> => {
    shutdown ??= Promise.resolve().then(async () => {
      let settled = false;
      try {
        settled = await options.settle();
        await connection?.close().catch(() => {});
        await options.onClose();
      } catch (error) {
        options.log.log("error", `shutdown failed: ${(error as Error).message}`);
      }
      return settled;
    });
    return shutdown;
  };

  // A client that went away makes stdout fail with EPIPE; unhandled, that error would kill the
  // process before the calls in flight are journaled. Nothing can be reported where stderr fails.
  process.stdout.on("error", () => void stop());
  process.stderr.on("error", () => {});
  // The framer ends only after every line before the end of stdin went into the feed; the feed
  // hands it to the SDK a turn or two later, so the shutdown starts after that, and a request
  // written just before the client closed stdin is tracked, served and answered.
  lines.once("end", () => {
    void afterTurns(2)
      .then(stop)
      .then((settled) => {
        process.exitCode = settled ? 0 : 1;
        // Exits on its own once everything is closed; this covers a handle something left open.
        setTimeout(() => process.exit(), 1_000).unref();
      });
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => void stop().then((settled) => process.exit(settled ? 0 : 1)));
  }
  process.stdin.pipe(lines);
  // The transport closing any other way (the SDK closing the connection) shuts down too.
  trackRequests(transport, options.calls, () => void stop());
  connection = serveStdioWithSdk(() => createMcpServer(), {
    transport,
    onerror: (error: Error) => options.log.log("warning", `stdio: ${error.message}`),
  });
}

/**
 * Splits stdin into whole lines for the SDK's transport and answers, instead of passing on, a
 * line over the limit: the SDK would refuse it by closing the session with no reply. Such a line
 * is skipped as it streams in, never held in memory.
 */
class LineFramer extends Transform {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onOversized: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      this.bytes += end - start;
      if (this.bytes <= this.maxBytes) this.parts.push(chunk.subarray(start, end));
      else this.parts = [];
      if (newline === -1) break;
      if (this.bytes <= this.maxBytes) this.push(Buffer.concat([...this.parts, LINE_END]));
      else this.onOversized(this.bytes);
      this.parts = [];
      this.bytes = 0;
      start = newline + 1;
    }
    done();
  }
}

function afterTurns(turns: number): Promise<void> {
  return turns <= 0
    ? Promise.resolve()
    : new Promise((resolve) => setImmediate(resolve)).then(() => afterTurns(turns - 1));
}

const NEWLINE = 0x0a;
const LINE_END = Buffer.from("\n");

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
