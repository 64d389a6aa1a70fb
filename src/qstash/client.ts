/**
 * A thin QStash HTTP client on an undici keep-alive pool. It knows requests, status codes and
 * JSON bodies, nothing about DLQ semantics; failures come back as QStashError.
 */
import { createHmac } from "node:crypto";
import type { Pool } from "undici";
import { Redactor } from "../redact.js";
import { type ErrorBody, HEADERS } from "../wire/types.js";
import { invalidTokenError, missingTokenError, QStashError, statusError, tokenFault } from "./errors.js";
import { encodeQuery, type QueryParams } from "./query.js";

export interface QStashClientOptions {
  baseUrl: string;
  token: string | undefined;
  /** Named in errors when the token is missing or rejected. */
  tokenVariable?: string;
  /** Per-request limit for the response headers and body, in milliseconds. */
  timeoutMs?: number;
  /** Connections kept open to QStash. */
  connections?: number;
  /** Larger bodies are refused: a DLQ page is kilobytes, a runaway body must not exhaust memory. */
  maxBodyBytes?: number;
}

export interface QStashRequest {
  method: "GET" | "POST" | "DELETE";
  path: string;
  query?: QueryParams;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The answer's status is all that counts: a body, JSON or not, is not read. */
  ignoreBody?: boolean;
}

export interface QStashResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Characters of a server's error text quoted in a message. */
const ERROR_TEXT_CHARS = 500;

export class QStashClient {
  readonly baseUrl: string;
  readonly tokenVariable: string;
  /** Scrubs this client's token from any text; shared with the layers above. */
  readonly redactor: Redactor;
  private readonly token: string | undefined;
  /** Why the token cannot be sent, when it cannot: every request is refused before it starts. */
  private readonly tokenFault: string | undefined;
  /** Opened on the first request: loading undici is a large share of a cold start. */
  private pool: Promise<Pool> | undefined;
  private readonly origin: string;
  private readonly connections: number;
  private readonly connectTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly basePath: string;

  constructor(options: QStashClientOptions) {
    const url = new URL(options.baseUrl);
    // Shown in messages: origin and path only, never credentials someone put in the URL.
    this.baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.token = options.token;
    this.tokenFault = options.token ? tokenFault(options.token) : undefined;
    this.redactor = new Redactor(options.token);
    this.tokenVariable = options.tokenVariable ?? "QSTASH_TOKEN";
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.origin = url.origin;
    this.connections = options.connections ?? 4;
    this.connectTimeoutMs = Math.min(this.timeoutMs, 10_000);
  }

  /**
   * A key for `purpose` that every server holding the same token derives alike (replicas behind
   * a load balancer), and from which the token cannot be recovered; undefined without a token.
   */
  derivedKey(purpose: string): Buffer | undefined {
    if (!this.token) return undefined;
    return createHmac("sha256", this.token).update(`workflow-dlq-mcp:${purpose}`).digest();
  }

  /** Throws the "set QSTASH_TOKEN" error before any request when no usable token is configured. */
  assertConfigured(): void {
    if (!this.token) throw missingTokenError(this.tokenVariable);
    if (this.tokenFault) throw invalidTokenError(this.tokenVariable, this.tokenFault);
  }

  async request<T>(request: QStashRequest): Promise<QStashResponse<T>> {
    this.assertConfigured();
    const path = `${this.basePath}${request.path}${encodeQuery(request.query ?? {})}`;
    const headers: Record<string, string> = {
      ...request.headers,
      [HEADERS.authorization]: `Bearer ${this.token}`,
    };
    let response: Awaited<ReturnType<Pool["request"]>>;
    try {
      response = await (await this.openPool()).request({
        method: request.method,
        path,
        headers,
        signal: request.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      throw this.transportError(error, request);
    }

    let text: string;
    try {
      text = await this.readBody(response.body);
    } catch (error) {
      throw this.transportError(error, request);
    }

    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw statusError(
        response.statusCode,
        this.errorMessage(text),
        // A path carries ids the caller gave, which may be anything, the token included.
        { method: request.method, path: this.redactor.text(request.path) },
        this.tokenVariable,
        response.statusCode === 429 ? retryAfterSeconds(response.headers) : undefined,
      );
    }
    let body: T;
    try {
      body = (text.length === 0 || request.ignoreBody ? {} : JSON.parse(text)) as T;
    } catch {
      throw new QStashError(
        "protocol",
        `QStash answered ${request.method} ${this.redactor.text(request.path)} with a body that is not JSON; the request may have been processed.`,
        { status: response.statusCode },
      );
    }
    // Nothing QStash sends back is trusted not to echo the token: a cursor, a stored response body.
    return {
      status: response.statusCode,
      body: this.redactor.deep(body),
      headers: this.redactor.deep(response.headers),
    };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).close();
  }

  /**
   * The server's error text as a message may quote it. Scrubbed before it is parsed (an escape
   * such as `\/` can hide the token from the parsed text's check) and after (a `\u` escape can
   * hide it from the raw text's), and cut short only then, so no prefix of it survives the cut.
   */
  private errorMessage(text: string): string {
    if (!text) return "";
    const scrubbed = this.redactor.text(text);
    let message = scrubbed;
    try {
      const parsed = JSON.parse(scrubbed) as Partial<ErrorBody> | null;
      message = typeof parsed?.error === "string" ? parsed.error : JSON.stringify(this.redactor.deep(parsed));
    } catch {
      // not JSON: the raw text is the message
    }
    return this.redactor.text(message).slice(0, ERROR_TEXT_CHARS);
  }

  private openPool(): Promise<Pool> {
    this.pool ??= import("undici").then(
      (undici) =>
        // A bundled CommonJS module may expose its exports on `default` only.
        new (undici.Pool ?? undici.default.Pool)(this.origin, {
          connections: this.connections,
          pipelining: 1,
          keepAliveTimeout: 10_000,
          connectTimeout: this.connectTimeoutMs,
        }),
    );
    return this.pool;
  }

  private async readBody(body: AsyncIterable<Buffer> & { destroy(error?: Error): void }): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        body.destroy();
        throw new QStashError(
          "protocol",
          `QStash sent a response larger than ${Math.round(this.maxBodyBytes / 1024 / 1024)} MB; it was not read. The request may have been processed.`,
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  private transportError(error: unknown, request: QStashRequest): QStashError {
    if (error instanceof QStashError) return error;
    const where = `${request.method} ${this.redactor.text(request.path)}`;
    const code = (error as { code?: string } | null)?.code;
    const name = (error as { name?: string } | null)?.name;
    if (name === "AbortError" || code === "UND_ERR_ABORTED" || request.signal?.aborted) {
      return new QStashError("aborted", `The request ${where} was cancelled.`, { cause: error });
    }
    if (
      code === "ECONNREFUSED" ||
      code === "ENOTFOUND" ||
      code === "EAI_AGAIN" ||
      code === "UND_ERR_CONNECT_TIMEOUT"
    ) {
      return new QStashError(
        "network",
        `Could not connect to QStash at ${this.baseUrl} (${code}). Check QSTASH_URL and the network.`,
        { cause: error, surelyNotProcessed: true },
      );
    }
    if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      return new QStashError(
        "timeout",
        `QStash did not answer ${where} within ${Math.round(this.timeoutMs / 1000)} s; the request may have been processed.`,
        { cause: error },
      );
    }
    const detail = error instanceof Error ? error.message : "unknown error";
    return new QStashError(
      "network",
      `The connection to QStash failed during ${where} (${this.redactor.text(code ?? detail)}); the request may have been processed.`,
      { cause: error },
    );
  }
}

/** Seconds to wait before retrying a 429, from whichever reset header family the server sent. */
export function retryAfterSeconds(
  headers: Record<string, string | string[] | undefined>,
): number | undefined {
  const first = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  for (const name of [HEADERS.burstReset, HEADERS.dailyReset]) {
    const raw = Number(first(name));
    if (Number.isFinite(raw) && raw > 0) {
      // Reset headers carry a Unix time in seconds (or milliseconds); tiny values are already a delay.
      const nowSeconds = Date.now() / 1000;
      if (raw > 1e12) return Math.max(0, raw / 1000 - nowSeconds);
      if (raw > 1e9) return Math.max(0, raw - nowSeconds);
      return raw;
    }
  }
  const retryAfter = first(HEADERS.retryAfter);
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, (at - Date.now()) / 1000);
  }
  return undefined;
}
