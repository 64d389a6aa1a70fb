/**
 * A real OpenID provider for the sign-in tests: `oidc-provider` (OpenID Certified), run in the
 * test process on 127.0.0.1 with an ephemeral port, configured as a team's identity provider
 * would be for this server: dynamic client registration, authorization code with PKCE, resource
 * indicators (RFC 8707) and JWT access tokens (RFC 9068) carrying `dlq:read`/`dlq:write`.
 *
 * The person signing in is played by `signIn`: it follows the authorization URL a client opens,
 * logs in as `user` and answers the consent by granting what `user.grants` allows of what was
 * asked. Tokens can also be had directly (client credentials, for a peer like the Inspector), and
 * the next token can be altered before it is signed (expired, not yet valid) to test refusals
 * against tokens the provider itself signed.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from "oidc-provider";
import { type HttpServerProcess, startHttpServer } from "./http-server.js";

export const READ = "dlq:read";
export const WRITE = "dlq:write";

export interface TestUser {
  sub: string;
  email?: string;
  name?: string;
  /** The scopes this person may grant; what a client asks beyond them is left out of the token. */
  grants: readonly string[];
}

export const ADA: TestUser = {
  sub: "ada-1815",
  email: "ada@example.com",
  name: "Ada Lovelace",
  grants: [READ, WRITE],
};

/** A confidential client allowed the client-credentials grant: a token without a browser. */
export const BOT = { clientId: "ops-bot", clientSecret: "ops-bot-secret-5d1c0e" };

export interface TestProvider {
  issuer: string;
  /** Resources the provider issues tokens for; the server's must be added before use. */
  resources: Set<string>;
  /** Applied to the next access token's claims before it is signed, then forgotten. */
  alterNextToken(change: (claims: Record<string, unknown>) => void): void;
  /**
   * Plays `user` in their own browser (`cookies` is its jar, which keeps their session at the
   * provider): from the authorization URL to the code at the redirect.
   */
  signIn(
    user: TestUser,
    authorizationUrl: URL,
    redirectUrl: string,
    cookies: Map<string, string>,
  ): Promise<{ code: string; iss: string | null }>;
  /** An access token for `resource` by the client-credentials grant (`sub` is the client). */
  clientToken(resource: string, scope: string): Promise<string>;
  /** A new signing key, published and used from now on; the old one stays published. */
  rotateKey(): Promise<void>;
  /** Requests for the provider's keys so far: how often a server fetched them. */
  readonly jwksRequests: number;
  /** While true, the provider's keys answer 500, as in an outage. */
  failKeys: boolean;
  close(): Promise<void>;
}

function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), use: "sig", alg: "RS256" };
}

export async function startProvider(): Promise<TestProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const state = {
    /** Who is at the provider's pages now; sign-ins run one at a time. */
    user: ADA,
    /** Everyone who signed in, by subject: their claims go into their tokens. */
    users: new Map<string, TestUser>(),
    resources: new Set<string>(),
    alter: undefined as ((claims: Record<string, unknown>) => void) | undefined,
    keys: [signingKey()],
    jwksRequests: 0,
    failKeys: false,
  };

  const configuration = (): Configuration => ({
    jwks: { keys: state.keys },
    clients: [
      {
        client_id: BOT.clientId,
        client_secret: BOT.clientSecret,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
        scope: `${READ} ${WRITE}`,
      },
    ],
    cookies: { keys: ["a-test-cookie-key-1b7e"] },
    scopes: ["openid", "offline_access", READ, WRITE],
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => [...state.resources][0] ?? "",
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          if (!state.resources.has(resource)) throw new errors.InvalidTarget();
          return {
            scope: `${READ} ${WRITE}`,
            audience: resource,
            accessTokenTTL: 600,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    // Hosts register with the scope of their first sign-in (dlq:read) and step up later; a
    // provider that holds a client to its registered scopes must let clients of this server ask
    // for both. oidc-provider runs this check of extra metadata on every registration.
    extraClientMetadata: {
      properties: ["workflow_dlq_mcp"],
      validator: (_ctx, _key, _value, metadata) => {
        if (typeof metadata.scope === "string") {
          metadata.scope = [...new Set([...metadata.scope.split(" "), READ, WRITE])].join(" ");
        }
      },
    },
    findAccount: (_ctx: KoaContextWithOIDC, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id }),
    }),
    // A team's provider puts who the person is into the access token: email and name.
    extraTokenClaims: (_ctx, token) => {
      const user = "accountId" in token ? state.users.get(token.accountId) : undefined;
      return user
        ? { ...(user.email ? { email: user.email } : {}), ...(user.name ? { name: user.name } : {}) }
        : undefined;
    },
    formats: {
      customizers: {
        jwt: (_ctx: KoaContextWithOIDC, _token: unknown, jwt: { payload: Record<string, unknown> }) => {
          const alter = state.alter;
          state.alter = undefined;
          alter?.(jwt.payload);
        },
      },
    },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    pkce: { required: () => true },
    // Set, so the provider does not remark on each default it would otherwise use.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 3_600,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 3_600,
      Session: 3_600,
    },
  });

  let provider = new Provider(issuer, configuration());
  const serve = () => {
    const callback = provider.callback();
    handler = (req, res) => {
      const path = new URL(req.url ?? "/", issuer).pathname;
      if (path.startsWith("/interaction/")) {
        void interact(req, res).catch((error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        });
        return;
      }
      if (path === "/jwks") {
        state.jwksRequests += 1;
        if (state.failKeys) {
          res.writeHead(500).end();
          return;
        }
      }
      void callback(req, res);
    };
  };
  serve();

  /** The person at the provider's pages: logs in as the user, then grants what they may. */
  async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === "login") {
      await provider.interactionFinished(req, res, { login: { accountId: state.user.sub } });
      return;
    }
    const clientId = String(details.params.client_id);
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ??
        new provider.Grant({ accountId: state.user.sub, clientId }))
      : new provider.Grant({ accountId: state.user.sub, clientId });
    const asked = details.prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (asked.missingOIDCScope) grant.addOIDCScope(asked.missingOIDCScope.join(" "));
    for (const [resource, scopes] of Object.entries(asked.missingResourceScopes ?? {})) {
      const granted = scopes.filter((scope) => state.user.grants.includes(scope));
      if (granted.length > 0) grant.addResourceScope(resource, granted.join(" "));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async function signIn(
    user: TestUser,
    authorizationUrl: URL,
    redirectUrl: string,
    cookies: Map<string, string>,
  ) {
    state.user = user;
    state.users.set(user.sub, user);
    let url = authorizationUrl;
    for (let hop = 0; hop < 12; hop++) {
      const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
      const response = await fetch(url, { redirect: "manual", headers: cookie ? { cookie } : {} });
      for (const set of response.headers.getSetCookie()) {
        const [pair] = set.split(";");
        const [name, ...value] = (pair ?? "").split("=");
        if (name) cookies.set(name.trim(), value.join("="));
      }
      const location = response.headers.get("location");
      await response.body?.cancel();
      if (!location) throw new Error(`sign-in stopped at ${url.href} with ${response.status}`);
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUrl)) {
        const code = next.searchParams.get("code");
        if (!code) throw new Error(`sign-in refused: ${next.search}`);
        return { code, iss: next.searchParams.get("iss") };
      }
      url = next;
    }
    throw new Error("sign-in went round in circles");
  }

  async function clientToken(resource: string, scope: string): Promise<string> {
    const response = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${BOT.clientId}:${BOT.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials", resource, scope }),
    });
    const body = (await response.json()) as { access_token?: string; error?: string };
    if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  return {
    issuer,
    resources: state.resources,
    alterNextToken(change) {
      state.alter = change;
    },
    signIn,
    clientToken,
    async rotateKey() {
      state.keys = [signingKey(), ...state.keys];
      provider = new Provider(issuer, configuration());
      serve();
    },
    get jwksRequests() {
      return state.jwksRequests;
    },
    get failKeys() {
      return state.failKeys;
    },
    set failKeys(fail: boolean) {
      state.failKeys = fail;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port free just now, for a server whose own URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * The built server over HTTP signing people in with `idp`, on a port chosen first: its resource
 * URL, which the provider issues tokens for, names that port.
 */
export async function startSignedInServer(
  idp: TestProvider,
  args: string[] = [],
  env: Record<string, string> = {},
  options: { confirm?: boolean } = {},
): Promise<{ server: HttpServerProcess; resource: string }> {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  idp.resources.add(resource);
  const server = await startHttpServer(
    ["--port", String(port), "--oauth-issuer", idp.issuer, "--resource-url", resource, ...args],
    env,
    options,
  );
  return { server, resource };
}

/** A raw `tools/call` as a client that brings its own token sends it (2025-11-25, stateless). */
export async function postToolCall(
  url: string,
  token: string | undefined,
  name: string,
  args: Record<string, unknown>,
): Promise<{ status: number; challenge: string; headers: string; body: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate") ?? "",
    headers: [...response.headers].join("\n"),
    body: await response.text(),
  };
}
