/**
 * Checking an access token: a JWT signed with one of the identity provider's published keys
 * (found through its metadata, cached, fetched again when a token names a key not yet seen), by
 * the configured issuer, for this server's resource URL (RFC 8707: `aud` must name it), within
 * its validity give or take a small clock skew, with a subject. `jose` does the cryptography.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { type Caller, callerOf } from "./caller.js";
import { discoverIssuer, type IssuerMetadata, IssuerMisconfigured, IssuerUnreachable } from "./issuer.js";

export interface VerifiedToken {
  caller: Caller;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** The token is not good here: 401 invalid_token. The message names why, never the token. */
export class TokenRejected extends Error {
  override name = "TokenRejected";
}

/** The provider's metadata or keys could not be read when checking a token needed them: 503. */
export class ProviderUnavailable extends Error {
  override name = "ProviderUnavailable";
}

export interface VerifierOptions {
  issuer: string;
  /** This server's resource URL, which a token's `aud` must name. */
  audience: string;
}

/** Clocks of provider and server differ a little; a token is honoured this far past its times. */
export const CLOCK_TOLERANCE_SECONDS = 60;
/**
 * An unknown key id fetches the keys again, at most this often: a provider that rotates is seen
 * within seconds, and a flood of forged key ids cannot turn into a flood of requests to it.
 */
const KEYS_COOLDOWN_MS = 5_000;
/**
 * Keys are fetched again this often even when every token names a known one (a key the provider
 * withdrew stops working), in the background: while that fetch fails, the keys held go on working.
 */
const KEYS_MAX_AGE_MS = 10 * 60_000;
const KEYS_TIMEOUT_MS = 5_000;
/** After the provider's metadata or keys could not be read, the next try waits this long. */
const PROVIDER_RETRY_MS = 5_000;
/** Far longer than any provider's access token; a longer header is refused unread. */
const MAX_TOKEN_CHARS = 16_384;
/** Asymmetric signatures only: the keys are public, so a shared-secret HMAC could be forged by anyone. */
const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class AccessTokenVerifier {
  private keys: Promise<KeySet> | undefined;
  /** Until then, the metadata's last failure answers for it: discovery is not tried again. */
  private retryAt = 0;
  private lastFailure: ProviderUnavailable | undefined;
  /** When the keys were last fetched, or a background fetch of them began; 0 before the first. */
  private keysFetchedAt = 0;
  /**
   * The last failed fetch of the keys, and until when it stands for the next ones: a token that
   * needs the keys fetched (the first, or one naming a new key id) meanwhile is answered with it,
   * and the provider is not asked. A token the keys already held verify is never held up by it.
   */
  private keysFailure: { until: number; error: ProviderUnavailable } | undefined;

  /**
   * The keys' fetch, as jose makes it. Every failure of it (no answer, not 200, no key set in it)
   * is thrown as one ProviderUnavailable, which jose passes on: `verify` knows it by its class,
   * and for a while after one, fetches are not tried but fail with it at once.
   */
  private readonly keysFetch = async (url: string, init: RequestInit): Promise<Response> => {
    if (this.keysFailure && Date.now() < this.keysFailure.until) throw this.keysFailure.error;
    let response: Response;
    let text: string | undefined;
    try {
      response = await fetch(url, init);
      text = response.status === 200 ? await response.text() : undefined;
    } catch (error) {
      throw this.keysFailed((error as Error).message);
    }
    if (text === undefined) throw this.keysFailed(`it answered ${response.status}`);
    try {
      // What jose will make of it, tried here so that a set it cannot use counts as a failure.
      createLocalJWKSet(JSON.parse(text));
    } catch {
      throw this.keysFailed("its answer is not a JWK Set");
    }
    return new Response(text, { status: 200, headers: response.headers });
  };

  constructor(
    private readonly options: VerifierOptions,
    private readonly discover: (issuer: string) => Promise<IssuerMetadata> = discoverIssuer,
  ) {}

  /**
   * Reads the provider's metadata and keys now, so a misconfiguration shows at startup: throws
   * IssuerMisconfigured for one, ProviderUnavailable when the provider could not be read.
   */
  async prepare(): Promise<void> {
    let keys: KeySet;
    try {
      keys = await this.keySet();
    } catch (error) {
      throw error instanceof ProviderUnavailable && error.cause instanceof IssuerMisconfigured
        ? error.cause
        : error;
    }
    try {
      await keys.reload();
      this.keysFetchedAt = Date.now();
    } catch (error) {
      throw error instanceof ProviderUnavailable
        ? error
        : new ProviderUnavailable(
            `The sign-in provider's keys could not be read: ${(error as Error).message}`,
          );
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_CHARS) throw new TokenRejected("The access token is too long to be one.");
    let peek: JWTPayload;
    try {
      peek = decodeJwt(token);
    } catch {
      throw new TokenRejected("The access token is not a JWT.");
    }
    // Read unverified only to refuse early: a token of another issuer must not make this server
    // fetch its own provider's keys again looking for a key that is not there.
    if (peek.iss !== this.options.issuer) {
      throw new TokenRejected("The access token was issued by another issuer.");
    }
    const keys = await this.keySet();
    const now = Date.now();
    this.refreshInBackground(keys, now);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "sub"],
        // The server's own clock, as every other timestamp it takes.
        currentDate: new Date(now),
      }));
    } catch (error) {
      // 503 for this token alone, when checking it needed the keys fetched and that failed: the
      // provider's fault, not the token's. Whatever else went wrong is the token's; and no token,
      // crafted or not, keeps the keys already held from verifying the others.
      if (error instanceof ProviderUnavailable) throw error;
      throw rejection(error);
    }
    // The first token read the keys (jose fetches them on first use): the refresh counts from it.
    if (this.keysFetchedAt === 0) this.keysFetchedAt = now;
    if (typeof payload.iat === "number" && payload.iat > now / 1000 + CLOCK_TOLERANCE_SECONDS) {
      throw new TokenRejected("The access token is not valid yet: it was issued in the future.");
    }
    const caller = callerOf(payload);
    if (!caller) throw new TokenRejected("The access token names no subject.");
    return { caller, scopes: scopesOf(payload), expiresAt: payload.exp as number };
  }

  private keySet(): Promise<KeySet> {
    if (this.keys) return this.keys;
    if (Date.now() < this.retryAt && this.lastFailure) return Promise.reject(this.lastFailure);
    const keys = this.discover(this.options.issuer).then(
      ({ jwksUri }) =>
        createRemoteJWKSet(jwksUri, {
          cooldownDuration: KEYS_COOLDOWN_MS,
          // Never dropped for their age: refreshInBackground fetches them again instead.
          cacheMaxAge: Number.POSITIVE_INFINITY,
          timeoutDuration: KEYS_TIMEOUT_MS,
          [customFetch]: this.keysFetch,
        }),
      (error: unknown) => {
        this.keys = undefined;
        const message =
          error instanceof IssuerMisconfigured || error instanceof IssuerUnreachable
            ? error.message
            : `The sign-in provider's metadata could not be read: ${(error as Error).message}`;
        this.retryAt = Date.now() + PROVIDER_RETRY_MS;
        this.lastFailure = new ProviderUnavailable(message, { cause: error });
        throw this.lastFailure;
      },
    );
    this.keys = keys;
    return keys;
  }

  /** A failed fetch of the keys: it answers for the keys until the retry is due. */
  private keysFailed(why: string): ProviderUnavailable {
    const error = new ProviderUnavailable(`The sign-in provider's keys could not be read: ${why}.`);
    this.keysFailure = { until: Date.now() + PROVIDER_RETRY_MS, error };
    return error;
  }

  private refreshInBackground(keys: KeySet, now: number): void {
    if (this.keysFetchedAt === 0 || now - this.keysFetchedAt < KEYS_MAX_AGE_MS || keys.reloading) return;
    this.keysFetchedAt = now;
    keys.reload().catch(() => {
      // The keys held go on working; the next refresh is due KEYS_MAX_AGE_MS from now.
    });
  }
}

/** `scope` (RFC 9068, a space-separated string) or `scp` (Okta and Entra ID; a string or a list). */
function scopesOf(payload: JWTPayload): string[] {
  const found = new Set<string>();
  for (const value of [payload.scope, payload.scp]) {
    const items = typeof value === "string" ? value.split(" ") : Array.isArray(value) ? value : [];
    for (const item of items) if (typeof item === "string" && item !== "") found.add(item);
  }
  return [...found];
}

/** Why a token is refused: a check it failed, in words that never quote it. */
function rejection(error: unknown): TokenRejected {
  if (error instanceof errors.JWTExpired) return new TokenRejected("The access token has expired.");
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "aud":
        return new TokenRejected(
          "The access token was issued for another resource: its audience is not this server.",
        );
      case "iss":
        return new TokenRejected("The access token was issued by another issuer.");
      case "nbf":
        return new TokenRejected("The access token is not valid yet.");
      default:
        return new TokenRejected(`The access token's ${error.claim} claim is missing or invalid.`);
    }
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejected("The access token is signed with a key the sign-in provider does not publish.");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejected("The access token's signature does not verify.");
  }
  // Whatever else a token can make jose throw: a malformed header or payload, an algorithm or
  // extension it does not take. A failure to read the keys is told apart before this is asked.
  return new TokenRejected("The access token is not a valid signed JWT.");
}
