/**
 * Typed failures of a QStash request. Each message tells the reader what to do next and never
 * carries the token: messages are built from status codes, paths and server error texts only,
 * and the client's Redactor scrubs the token out of anything that came from elsewhere. A server's
 * error text is quoted: it may echo a downstream's answer, which is not this server speaking.
 */
import { quoted } from "../quote.js";

/** A server's error text (the client cut it to 500 characters) or a failure's message, quoted. */
const SAID_CHARS = 700;

/** Kinds worth another attempt: the service may answer differently in a moment. */
export const TRANSIENT_KINDS: ReadonlySet<QStashErrorKind> = new Set([
  "rateLimited",
  "server",
  "network",
  "timeout",
  "protocol",
]);

export type QStashErrorKind =
  | "missingToken"
  | "unauthorized"
  | "notFound"
  | "badRequest"
  | "rateLimited"
  | "server"
  | "network"
  | "timeout"
  | "aborted"
  | "protocol"
  /** A failure of this server's own code, not of QStash: never retried. */
  | "internal";

export class QStashError extends Error {
  readonly kind: QStashErrorKind;
  readonly status: number | undefined;
  /** True when the request surely did not reach the server's processing (safe to repeat). */
  readonly surelyNotProcessed: boolean;
  /** Seconds the server asked us to wait, from a 429's reset headers. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: QStashErrorKind,
    message: string,
    options: {
      status?: number;
      surelyNotProcessed?: boolean;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "QStashError";
    this.kind = kind;
    this.status = options.status;
    this.surelyNotProcessed = options.surelyNotProcessed ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Wraps anything thrown that is not already a QStashError. */
export function asQStashError(error: unknown): QStashError {
  if (error instanceof QStashError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Quoted: a parser's message can carry a piece of the text it failed on.
  const said = quoted(message, SAID_CHARS);
  return new QStashError("internal", `Unexpected failure in workflow-dlq-mcp: ${said}`, { cause: error });
}

export function missingTokenError(variable: string): QStashError {
  return new QStashError(
    "missingToken",
    `No QStash token is configured. Set ${variable} in the MCP server's environment (find it in the Upstash console under QStash → Request builder), or start the server with --sandbox to try it against a local emulator.`,
    { surelyNotProcessed: true },
  );
}

/**
 * What keeps a token from being sent as an Authorization header, or undefined when nothing does.
 * A token is visible ASCII: anything else is a copying mistake, and an HTTP client refuses such a
 * header only after the request has started, which reads as a failure that may have done work.
 */
export function tokenFault(token: string): string | undefined {
  if (/[\r\n]/.test(token)) return "a line break";
  if (/\s/.test(token)) return "whitespace";
  if (/\p{Cc}/u.test(token)) return "a control character";
  if (/[^\x21-\x7e]/.test(token)) return "a character outside printable ASCII";
  return undefined;
}

export function invalidTokenError(variable: string, fault: string): QStashError {
  return new QStashError(
    "missingToken",
    `${variable} has ${fault} in it, so it cannot be sent as a QStash token; nothing was sent. Set ${variable} to the token exactly as the Upstash console shows it (QStash → Request builder), then restart the MCP server.`,
    { surelyNotProcessed: true },
  );
}

export function statusError(
  status: number,
  serverMessage: string,
  request: { method: string; path: string },
  tokenVariable: string,
  retryAfterSeconds?: number,
): QStashError {
  const said = serverMessage ? ` The server said: ${quoted(serverMessage, SAID_CHARS)}.` : "";
  const where = `${request.method} ${request.path}`;
  switch (status) {
    case 400:
      return new QStashError("badRequest", `QStash rejected the request as invalid (400, ${where}).${said}`, {
        status,
        surelyNotProcessed: true,
      });
    case 401:
      return new QStashError(
        "unauthorized",
        `QStash rejected the token (401). Check ${tokenVariable} and, for a regional account, QSTASH_REGION and the matching <REGION>_QSTASH_URL / <REGION>_QSTASH_TOKEN.`,
        { status, surelyNotProcessed: true },
      );
    case 404:
      return new QStashError("notFound", `Not found in the DLQ (404, ${where}).${said}`, {
        status,
        surelyNotProcessed: true,
      });
    case 429:
      return new QStashError(
        "rateLimited",
        `QStash rate limit reached (429)${retryAfterSeconds === undefined ? "" : `; it resets in about ${Math.ceil(retryAfterSeconds)} s`}. Wait, then call again (with the cursor, when the result has one).`,
        {
          status,
          surelyNotProcessed: true,
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        },
      );
    default:
      return new QStashError(
        status >= 500 ? "server" : "badRequest",
        `QStash answered ${status} to ${where}.${said} ${status >= 500 ? "The service may be degraded; try again shortly." : ""}`.trim(),
        // Any 5xx may come after the server did the work: its outcome is unknown. Other 4xx refuse it.
        { status, surelyNotProcessed: status < 500 },
      );
  }
}
