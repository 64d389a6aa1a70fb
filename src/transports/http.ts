/**
 * MCP over Streamable HTTP at /mcp, stateless on every protocol era: each POST is served by a
 * fresh server (2026-07-28 has no sessions; 2025-era clients are served per request too), so any
 * replica behind a load balancer can answer any request. Around it: sign-in, either a shared
 * bearer token compared in constant time or access tokens from the team's identity provider
 * (`../auth`, with its Protected Resource Metadata served here), Host/Origin checks against DNS
 * rebinding, /healthz, and a drain on SIGTERM that lets in-flight calls finish, starts none, and
 * refuses a body still arriving.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash, timingSafeEqual } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type AuthInfo,
  createMcpHandler,
  type McpHttpHandler,
  type McpServer,
} from "@modelcontextprotocol/server";
import { isRefusal, type ResourceServer, type SignedIn, secretsOf } from "../auth/resource.js";
import type { CallTracker } from "../calls.js";
import type { Logger } from "../log.js";
import { isLoopbackHost } from "../loopback.js";
import { NO_SECRET, REDACTED, Redactor } from "../redact.js";

export interface HttpServeOptions {
  host: string;
  port: number;
  /** One shared bearer token; this or `resourceServer` is required unless the host is loopback. */
  authToken?: string;
  /** Sign-in with the team's identity provider: tokens checked, the caller handed to the tools. */
  resourceServer?: ResourceServer;
  /** Origins browsers may call from, besides loopback ones. */
  allowedOrigins?: string[];
  /** Host header values accepted besides loopback ones; when bound to loopback only these and loopback pass. */
  allowedHosts?: string[];
  /** A new MCP server for one request. */
  createMcpServer: () => McpServer;
  /** The calls in flight, shared with the servers: the drain waits for them. */
  calls?: CallTracker;
  log: Logger;
  version: string;
  /** Largest JSON-RPC request body accepted. */
  maxBodyBytes?: number;
}

export interface HttpHandle {
  url: string;
  server: Server;
  /**
   * Stops accepting requests, tells the calls in flight to start no new page, waits for them and
   * for every open response (up to `graceMs`), then closes. Resolves false when the grace ran out.
   */
  drain(graceMs: number): Promise<boolean>;
}

const MCP_PATH = "/mcp";

export async function serveHttp(options: HttpServeOptions): Promise<HttpHandle> {
  if (!isLoopbackHost(options.host) && !options.authToken && !options.resourceServer) {
    throw new Error(
      `Refusing to serve on ${options.host} without authentication: set --oauth-issuer and --resource-url (sign-in for a team), or --auth-token (one shared secret), or bind to 127.0.0.1.`,
    );
  }
  const resourceServer = options.resourceServer;
  const shared = new Redactor(options.authToken);
  const expectedDigest = options.authToken ? digest(`Bearer ${options.authToken}`) : undefined;
  const checkHost = isLoopbackHost(options.host) || (options.allowedHosts?.length ?? 0) > 0;
  // Clients call the resource URL, so where Host is checked its host name always passes.
  // Host names are case-blind: both sides are compared lower-cased.
  const allowedHosts = [
    ...(options.allowedHosts ?? []),
    ...(resourceServer ? [resourceServer.settings.resourceUrl.hostname] : []),
  ].map((host) => host.toLowerCase());
  const mcp = createMcpHandler(() => options.createMcpServer(), {
    // The SDK's messages may quote what the request sent, its headers among them: the caller's
    // token is scrubbed from them like from everything else.
    onerror: (error) => options.log.log("warning", scrubbed(`MCP request failed: ${error.message}`, shared)),
  });
  let inFlight = 0;
  let draining = false;
  const idle: (() => void)[] = [];
  /**
   * Requests whose body is still arriving, each by the function that refuses it. None has started
   * a call, so a drain refuses them at once rather than wait out its grace for a slow upload.
   */
  const uploading = new Set<() => void>();

  const server = createHttpServer((req, res) => {
    inFlight += 1;
    res.on("close", () => {
      inFlight -= 1;
      if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
    });
    handle(req, res).catch((error: unknown) => {
      options.log.log("error", scrubbed(`HTTP request failed: ${(error as Error).message}`, shared));
      if (!res.headersSent) jsonRpcError(res, 500, -32603, "Internal server error");
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/healthz") {
      return sendJson(res, draining ? 503 : 200, {
        status: draining ? "draining" : "ok",
        version: options.version,
      });
    }
    if (resourceServer?.isMetadataPath(url.pathname)) return sendMetadata(req, res, resourceServer);
    if (url.pathname !== MCP_PATH) return sendJson(res, 404, { error: "Not found. MCP is served at /mcp." });
    if (draining) return shuttingDown(res);

    const hostName = hostnameOf(req.headers.host);
    if (checkHost && !(isLoopbackHost(hostName) || allowedHosts.includes(hostName))) {
      return jsonRpcError(res, 403, -32000, `Host "${req.headers.host ?? ""}" is not allowed.`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, options.allowedOrigins)) {
      return jsonRpcError(res, 403, -32000, `Origin "${origin}" is not allowed.`);
    }
    if (expectedDigest && !authorized(req.headers.authorization, expectedDigest)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="workflow-dlq-mcp"');
      return jsonRpcError(res, 401, -32001, "Missing or invalid bearer token.");
    }
    let signedIn: SignedIn | undefined;
    if (resourceServer) {
      const outcome = await resourceServer.authenticate(req.headers.authorization);
      if (isRefusal(outcome)) {
        for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
        return jsonRpcError(res, outcome.status, -32001, outcome.message);
      }
      signedIn = outcome;
    }
    if (req.method !== "POST") {
      // Stateless: there is no session to stream to or to delete.
      res.setHeader("Allow", "POST");
      return jsonRpcError(
        res,
        405,
        -32000,
        "Method not allowed: this server is stateless, POST JSON-RPC to /mcp.",
      );
    }
    let text: string;
    let body: unknown;
    // The rest of the body is not waited for: the connection closes once the refusal is sent.
    const refuse = () => shuttingDown(res, { close: true });
    uploading.add(refuse);
    try {
      text = await readBody(req, options.maxBodyBytes ?? 4 * 1024 * 1024);
      body = JSON.parse(text);
    } catch (error) {
      // Refused by the drain while it arrived: the client has its answer.
      if (res.headersSent) return;
      const tooLarge = (error as Error).message === "too large";
      return jsonRpcError(
        res,
        tooLarge ? 413 : 400,
        -32700,
        tooLarge ? "Request body too large." : "Parse error.",
      );
    } finally {
      uploading.delete(refuse);
    }
    // Checked again: the drain may have begun while the body was arriving, and refused it then.
    if (res.headersSent) return;
    if (draining) return shuttingDown(res);
    const authInfo = signedIn && resourceServer ? authInfoOf(signedIn, resourceServer) : undefined;
    if (!signedIn) return forward(mcp, req, res, text, body, authInfo);
    await callerSecrets.run(NO_SECRET.including(secretsOf(signedIn.token)), () =>
      forward(mcp, req, res, text, body, authInfo),
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}${MCP_PATH}`,
    server,
    async drain(graceMs) {
      // Keep listening while draining, so load balancers see 503 on /healthz rather than refused connections.
      draining = true;
      server.closeIdleConnections();
      for (const refuse of uploading) refuse();
      uploading.clear();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      // A call outlives its response when the client hung up mid-call: it still finishes its page
      // and journals it, so both must be waited for.
      const responsesDone =
        inFlight === 0
          ? Promise.resolve(true)
          : new Promise<true>((resolve) => idle.push(() => resolve(true)));
      const settled = await Promise.race([
        Promise.all([options.calls?.settle(graceMs) ?? true, responsesDone]).then(([calls]) => calls),
        graceOver,
      ]);
      clearTimeout(timer);
      await mcp.close().catch(() => {});
      server.close();
      server.closeAllConnections();
      return settled;
    },
  };
}

/** The signed-in caller's token, for the log lines the request causes: `scrubbed` reads it. */
const callerSecrets = new AsyncLocalStorage<Redactor>();
/** Any JWT, should a line be written outside the request that carried it. */
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+/g;

/**
 * A line to log, without the caller's token (the request's, where the line is written within it),
 * any JWT, or the shared bearer token.
 */
function scrubbed(line: string, shared: Redactor): string {
  return shared.text((callerSecrets.getStore() ?? NO_SECRET).text(line)).replace(JWT_SHAPE, REDACTED);
}

/** Headers of one connection, not of the message: they do not cross into or out of the SDK. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-length",
]);

/**
 * Hands one POST to the SDK's handler as a web request and streams its answer back. A client
 * that hangs up closes the request's stream, which on 2026-07-28 is how a call is cancelled.
 */
async function forward(
  mcp: McpHttpHandler,
  req: IncomingMessage,
  res: ServerResponse,
  text: string,
  body: unknown,
  authInfo: AuthInfo | undefined,
): Promise<void> {
  const hangUp = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) hangUp.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) {
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
  }
  const request = new Request(new URL(req.url ?? MCP_PATH, "http://localhost"), {
    method: "POST",
    headers,
    body: text,
    signal: hangUp.signal,
  });
  const response = await mcp.fetch(request, { parsedBody: body, ...(authInfo ? { authInfo } : {}) });
  // The connection is this server's to manage (keep-alive, the drain closing idle sockets).
  res.writeHead(response.status, [...response.headers].filter(([name]) => !HOP_BY_HOP.has(name)).flat());
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  // A client that hung up ends the copy early; that is not this server's failure.
  await pipeline(Readable.fromWeb(response.body as never), res).catch(() => {});
}

/**
 * The signed-in caller as the SDK carries it to the tools (`ctx.http.authInfo`). The resource
 * metadata URL rides along so the SDK's per-tool scope challenge (a change asked for with a
 * read-only token) points clients to the same document as the 401s.
 */
function authInfoOf(signedIn: SignedIn, resourceServer: ResourceServer): AuthInfo {
  return {
    token: signedIn.token,
    clientId: signedIn.caller.clientId ?? "",
    scopes: signedIn.scopes,
    expiresAt: signedIn.expiresAt,
    resource: resourceServer.settings.resourceUrl,
    resourceMetadataUrl: resourceServer.metadataUrl,
    extra: { caller: signedIn.caller },
  };
}

/**
 * RFC 9728's document. Public, and read by browser-based clients from other origins, so any
 * origin may read it (it says where to sign in, nothing more).
 */
function sendMetadata(req: IncomingMessage, res: ServerResponse, resourceServer: ResourceServer): void {
  res.setHeader("Access-Control-Allow-Origin", "*");
  if (req.method === "OPTIONS") {
    res
      .writeHead(204, { "Access-Control-Allow-Methods": "GET, OPTIONS", "Access-Control-Max-Age": "86400" })
      .end();
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, OPTIONS");
    sendJson(res, 405, { error: "Method not allowed: GET the metadata." });
    return;
  }
  res.setHeader("Cache-Control", "public, max-age=3600");
  sendJson(res, 200, resourceServer.metadata());
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Hashing first makes the comparison constant-time whatever the lengths; the scheme is case-blind (RFC 6750). */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const presented = (header ?? "").replace(/^bearer /i, "Bearer ");
  return timingSafeEqual(digest(presented), expected);
}

/** The Host header's name, lower-cased as host names compare (and as URL.hostname has them). */
function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return "";
  return hostNameIn(hostHeader).toLowerCase();
}

function hostNameIn(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  return hostHeader.replace(/:\d+$/, "");
}

function originAllowed(origin: string, allowed: string[] | undefined): boolean {
  if (allowed?.includes(origin)) return true;
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        reject(new Error("too large"));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** The drain's refusal; with `close`, the connection ends after it, whatever of the body is still unread. */
function shuttingDown(res: ServerResponse, options: { close?: boolean } = {}): void {
  if (options.close) res.setHeader("connection", "close");
  jsonRpcError(res, 503, -32000, "Server is shutting down; retry on another replica.");
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: "2.0", error: { code, message }, id: null });
}
