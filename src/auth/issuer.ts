/**
 * Finding the identity provider's signing keys from its issuer URL: its metadata document (RFC
 * 8414's `oauth-authorization-server`, or OpenID Connect Discovery's `openid-configuration`),
 * tried in the order the MCP authorization specification gives clients, and its `jwks_uri`.
 */
import { isLoopbackHost } from "../loopback.js";

export interface IssuerMetadata {
  issuer: string;
  jwksUri: URL;
}

/** The provider answered, but not with what this server needs: a configuration problem. */
export class IssuerMisconfigured extends Error {
  override name = "IssuerMisconfigured";
}

/** The provider could not be reached or failed: worth trying again. */
export class IssuerUnreachable extends Error {
  override name = "IssuerUnreachable";
}

const DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * Where the metadata may be, in order: for an issuer with a path, RFC 8414 and OpenID documents
 * with the well-known part inserted before the path, then OpenID's appended after it (what Okta,
 * Auth0 and Keycloak serve); for one without, the two documents at the root.
 */
export function metadataUrls(issuer: URL): URL[] {
  const path = issuer.pathname.replace(/\/$/, "");
  const at = (wellKnown: string) => new URL(`${issuer.origin}${wellKnown}`);
  if (path === "") {
    return [at("/.well-known/oauth-authorization-server"), at("/.well-known/openid-configuration")];
  }
  return [
    at(`/.well-known/oauth-authorization-server${path}`),
    at(`/.well-known/openid-configuration${path}`),
    at(`${path}/.well-known/openid-configuration`),
  ];
}

export async function discoverIssuer(issuer: string, fetchFn: typeof fetch = fetch): Promise<IssuerMetadata> {
  const failures: string[] = [];
  for (const url of metadataUrls(new URL(issuer))) {
    let response: Response;
    try {
      response = await fetchFn(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
        redirect: "error",
      });
    } catch (error) {
      throw new IssuerUnreachable(
        `The sign-in provider at ${url.origin} could not be reached: ${(error as Error).message}`,
      );
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new IssuerUnreachable(`The sign-in provider answered ${response.status} at ${url.href}.`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      failures.push(`${url.href}: ${response.status}`);
      continue;
    }
    const document = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!document || typeof document !== "object") {
      failures.push(`${url.href}: not JSON`);
      continue;
    }
    // RFC 8414 §3.3 and OpenID Discovery §4.3: the document's issuer must be the one asked for,
    // exactly; a token's `iss` is then checked against it.
    if (document.issuer !== issuer) {
      throw new IssuerMisconfigured(
        `The sign-in provider's metadata at ${url.href} names its issuer ${JSON.stringify(String(document.issuer))}: set --oauth-issuer to exactly that.`,
      );
    }
    if (typeof document.jwks_uri !== "string") {
      throw new IssuerMisconfigured(
        `The sign-in provider's metadata at ${url.href} has no jwks_uri: this server checks access tokens as JWTs signed with the provider's published keys.`,
      );
    }
    const jwksUri = new URL(document.jwks_uri);
    if (jwksUri.protocol !== "https:" && !isLoopbackHost(jwksUri.hostname)) {
      throw new IssuerMisconfigured(`The sign-in provider's jwks_uri ${jwksUri.href} is not https.`);
    }
    return { issuer, jwksUri };
  }
  throw new IssuerMisconfigured(
    `No authorization server metadata was found for ${issuer} (${failures.join("; ")}): check --oauth-issuer.`,
  );
}
