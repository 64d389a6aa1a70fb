/**
 * The client half of sign-in, as an MCP host does it with the SDK's own OAuth support: an
 * `OAuthClientProvider` that keeps what the SDK hands it (registration, PKCE verifier, tokens)
 * and, where a host opens the browser, has the test provider's person sign in and keeps the code
 * for `finishAuth`. `connectSignedIn` is the host's loop: connect, and on "authorization needed"
 * finish the sign-in and connect again.
 */
import {
  StreamableHTTPClientTransport as ModernHttp,
  UnauthorizedError as ModernUnauthorized,
  type OAuthClientProvider,
} from "@modelcontextprotocol/client";
import { UnauthorizedError as LegacyUnauthorized } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { connectTransport, type Era, type McpTestClient } from "./clients.js";
import type { TestProvider, TestUser } from "./oidc.js";

type Tokens = Awaited<ReturnType<OAuthClientProvider["tokens"]>>;
type ClientInformation = Awaited<ReturnType<OAuthClientProvider["clientInformation"]>>;

export class TestOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = "http://127.0.0.1:9/callback";
  /** Authorization URLs the SDK opened, in order: one per sign-in, step-ups included. */
  readonly authorizations: URL[] = [];
  private information: ClientInformation;
  private saved: Tokens;
  private verifier = "";
  private callback: { code: string; iss: string | null } | undefined;
  /** The person's browser: their session at the provider lives in it. */
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly idp: TestProvider,
    readonly user: TestUser,
  ) {}

  get clientMetadata() {
    return {
      client_name: "workflow-dlq-mcp tests",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  clientInformation(): ClientInformation {
    return this.information;
  }

  saveClientInformation(information: NonNullable<ClientInformation>): void {
    this.information = information;
  }

  tokens(): Tokens {
    return this.saved;
  }

  saveTokens(tokens: NonNullable<Tokens>): void {
    this.saved = tokens;
  }

  /** The access token the client holds now. */
  get accessToken(): string {
    const token = this.saved?.access_token;
    if (!token) throw new Error("not signed in");
    return token;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizations.push(url);
    this.callback = await this.idp.signIn(this.user, url, this.redirectUrl, this.cookies);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }

  /** Hands the sign-in just finished to the transport, as a host's redirect handler does. */
  async finish(transport: SignedInTransport): Promise<void> {
    const callback = this.callback;
    this.callback = undefined;
    if (!callback) throw new Error("no sign-in finished");
    // RFC 9207: the provider names itself in the redirect, and the SDK checks it.
    await transport.finishAuth(callback.code, callback.iss ?? undefined);
  }
}

export type SignedInTransport = ModernHttp | LegacyHttp;

export interface SignedInClient {
  client: McpTestClient;
  transport: SignedInTransport;
}

/** The SDKs' "the user must sign in (again)": what a host answers by finishing the sign-in. */
export function isAuthorizationNeeded(error: unknown): boolean {
  return error instanceof ModernUnauthorized || error instanceof LegacyUnauthorized;
}

/** Connects as an MCP host does: on "authorization needed" the user signs in, then it connects again. */
export async function connectSignedIn(
  url: string,
  oauth: TestOAuthClient,
  era: Era,
): Promise<SignedInClient> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const transport =
      era === "2025-11-25"
        ? new LegacyHttp(new URL(url), { authProvider: oauth })
        : new ModernHttp(new URL(url), { authProvider: oauth });
    try {
      return { client: await connectTransport(transport, era), transport };
    } catch (error) {
      if (!isAuthorizationNeeded(error)) throw error;
      await oauth.finish(transport);
    }
  }
  throw new Error("could not connect after signing in");
}
