/**
 * This server as an OAuth 2.1 resource server (the MCP authorization specification): it never
 * issues tokens, it checks the ones the team's identity provider issued for it. Here: its
 * Protected Resource Metadata (RFC 9728), which tells clients where to sign in, and the answer
 * to each request's `Authorization` header: the caller, or the 401/403 challenge (RFC 6750) that
 * sends the client to sign in or to ask for more.
 */
import type { Caller } from "./caller.js";
import { type AccessScopes, holds } from "./scopes.js";
import { AccessTokenVerifier, ProviderUnavailable, TokenRejected } from "./verifier.js";

export interface OAuthSettings {
  /** The identity provider's issuer URL, exactly as its metadata names it. */
  issuer: string;
  /** This server's public MCP URL: what tokens must be issued for. */
  resourceUrl: URL;
  scopes: AccessScopes;
}

/** A request allowed in: who it is, what it may do, and the token for the per-call redaction. */
export interface SignedIn {
  caller: Caller;
  scopes: string[];
  expiresAt: number;
  /** The access token itself: kept only to be scrubbed from what the call writes. */
  token: string;
}

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  /** The JSON-RPC error's message: why, and what to do; never the token. */
  message: string;
}

const WELL_KNOWN = "/.well-known/oauth-protected-resource";

export class ResourceServer {
  readonly metadataUrl: string;
  private readonly verifier: AccessTokenVerifier;

  /** The provider failure last reported: each is logged once, not once per request it refuses. */
  private reported: Error | undefined;

  constructor(
    readonly settings: OAuthSettings,
    /** Where a provider failure is told in full; callers are told only that it failed. */
    private readonly report: (message: string) => void = () => {},
  ) {
    this.metadataUrl = metadataUrlOf(settings.resourceUrl);
    this.verifier = new AccessTokenVerifier({ issuer: settings.issuer, audience: settings.resourceUrl.href });
  }

  /** Reads the provider's metadata now, so that a wrong issuer shows at startup. */
  prepare(): Promise<void> {
    return this.verifier.prepare();
  }

  /**
   * Paths the metadata is served at: RFC 9728's, built from the resource URL's path, and the
   * bare one, which clients that lost the path (or read an older draft) ask for.
   */
  isMetadataPath(pathname: string): boolean {
    const own = new URL(this.metadataUrl).pathname;
    return pathname === own || pathname === WELL_KNOWN || pathname === `${WELL_KNOWN}/mcp`;
  }

  metadata(): Record<string, unknown> {
    const { scopes } = this.settings;
    return {
      resource: this.settings.resourceUrl.href,
      authorization_servers: [this.settings.issuer],
      scopes_supported: [scopes.read, scopes.write],
      bearer_methods_supported: ["header"],
      resource_name: "Upstash Workflow DLQ (workflow-dlq-mcp)",
    };
  }

  /** The caller the header signs in, or the answer that refuses the request. */
  async authenticate(header: string | undefined): Promise<SignedIn | Refusal> {
    const { read } = this.settings.scopes;
    const token = bearerToken(header);
    if (token === null) return this.invalid("The Authorization header is not a bearer token.");
    if (token === undefined) {
      // No credentials at all: no error code (RFC 6750 §3.1), only where to sign in and for what.
      return {
        status: 401,
        headers: { "WWW-Authenticate": challenge({ resource_metadata: this.metadataUrl, scope: read }) },
        message: "Sign-in required: send an access token from the sign-in provider as Authorization: Bearer.",
      };
    }
    let verified: Awaited<ReturnType<AccessTokenVerifier["verify"]>>;
    try {
      verified = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejected) return this.invalid(error.message);
      if (error !== this.reported) {
        this.reported = error as Error;
        this.report(
          `${error instanceof ProviderUnavailable ? error.message : String(error)} Tokens that need them get 503 until they can be read; the server asks again every few seconds.`,
        );
      }
      // The details (addresses, errors) are for the operator's log, not for whoever asked.
      return {
        status: 503,
        headers: { "Retry-After": "5" },
        message: "The sign-in provider could not be reached to check the access token. Try again shortly.",
      };
    }
    if (!holds(verified.scopes, read)) {
      return {
        status: 403,
        headers: {
          "WWW-Authenticate": challenge({
            error: "insufficient_scope",
            error_description: `This server needs the ${read} scope.`,
            scope: read,
            resource_metadata: this.metadataUrl,
          }),
        },
        message: `The access token lacks the ${read} scope: sign in again and grant it.`,
      };
    }
    return { ...verified, token };
  }

  private invalid(why: string): Refusal {
    return {
      status: 401,
      headers: {
        "WWW-Authenticate": challenge({
          error: "invalid_token",
          error_description: why,
          resource_metadata: this.metadataUrl,
          scope: this.settings.scopes.read,
        }),
      },
      message: `${why} Sign in again.`,
    };
  }
}

/**
 * What of an access token must never be written: the token, its signature alone (with it, the
 * rest of a JWT, which anyone can read, rebuilds the token), and the signature's bytes as base64
 * and hex. The redactor adds each one's usual encodings.
 */
export function secretsOf(token: string): string[] {
  const signature = token.split(".")[2];
  if (!signature) return [token];
  const bytes = Buffer.from(signature, "base64url");
  return [token, signature, bytes.toString("base64"), bytes.toString("hex")];
}

export function isRefusal(outcome: SignedIn | Refusal): outcome is Refusal {
  return "status" in outcome;
}

/** RFC 9728 §3.1: the well-known part goes between the origin and the resource's path. */
export function metadataUrlOf(resource: URL): string {
  const path = resource.pathname === "/" ? "" : resource.pathname.replace(/\/$/, "");
  return `${resource.origin}${WELL_KNOWN}${path}`;
}

/**
 * `Bearer <token>`, the scheme in any case (RFC 6750 §2.1). Undefined: no bearer credentials (no
 * header, or another scheme); null: a bearer header that holds no well-formed token.
 */
function bearerToken(header: string | undefined): string | undefined | null {
  if (header === undefined || !/^bearer(\s|$)/i.test(header)) return undefined;
  return /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)?.[1] ?? null;
}

/** A `WWW-Authenticate: Bearer` value; every parameter a quoted-string, quotes and controls escaped. */
export function challenge(params: Record<string, string>): string {
  const quotedValue = (value: string) => value.replaceAll(/[\\"]/g, "\\$&").replaceAll(/[^\x20-\x7e]/g, " ");
  return `Bearer ${Object.entries(params)
    .map(([name, value]) => `${name}="${quotedValue(value)}"`)
    .join(", ")}`;
}
