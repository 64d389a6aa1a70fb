/**
 * Confirmation tokens: what a result hands out when a large change needs the user's yes and the
 * client cannot ask through elicitation. A token names the call it confirms (tool, selection and
 * options, as one fingerprint), how many entries the user was shown, and when it expires, signed
 * with a key every replica holding the same QStash token derives alike, so any of them can check
 * it. It carries no secret: only the signature is. On a server with sign-in it also names (by a
 * digest of their subject) the caller it was issued to: one person's yes is not another's.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

const PREFIX = "wdlqc1.";
/** Long enough to ask a person, short enough that a token found later is dead. */
export const CONFIRMATION_LIFETIME_MS = 10 * 60_000;
/**
 * Replicas behind one load balancer do not share a clock: a token issued by one whose clock runs
 * behind is still honoured by one whose clock runs ahead for this much past its stated expiry, so
 * a user's yes is not lost to skew. It widens the window by minutes, never by more.
 */
export const CLOCK_SKEW_TOLERANCE_MS = 2 * 60_000;

/** What the user was shown when asked: the count, whether it was exact, and QStash's time then. */
export interface Shown {
  entries: number;
  /** The count read the whole selection: the operation may act on no more than `entries`. */
  exact: boolean;
  /** Filter and all: QStash's clock when the selection was sized; the operation stays within it. */
  snapshot?: number;
}

export interface Confirmation {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * What a token stands for. A `confirm` token is handed to the agent to pass back after the user
 * agreed; a `question` token travels with an elicitation and counts only with the user's yes
 * beside it, so one can never stand in for the other.
 */
export type ConfirmationPurpose = "confirm" | "question";

export type ConfirmationCheck =
  | ({ ok: true; issuedAt: number; expiresAt: number } & Shown)
  | { ok: false; why: "malformed" | "forged" | "expired" | "otherCall" | "otherCaller" };

interface Payload {
  /** The fingerprint of the call it confirms. */
  b: string;
  p: ConfirmationPurpose;
  /** Entries the question named, whether that count was exact, and the snapshot it was taken in. */
  n: number;
  x?: 1;
  u?: number;
  /** Issued and expires, Unix milliseconds, by the issuing replica's clock. */
  t: number;
  e: number;
  /** With sign-in: whom it was issued to, as `callerKey` gives it. */
  w?: string;
}

/** A signed-in caller's subject as a token names it: a digest, so the token does not spell it out. */
export function callerKey(sub: string): string {
  return createHash("sha256").update(sub).digest("base64url").slice(0, 22);
}

export class ConfirmationSigner {
  constructor(private readonly key: Buffer) {}

  issue(
    binding: string,
    purpose: ConfirmationPurpose,
    shown: Shown,
    now = Date.now(),
    /** `callerKey` of the signed-in caller asking; none without sign-in. */
    caller?: string,
  ): Confirmation {
    const expiresAt = now + CONFIRMATION_LIFETIME_MS;
    const payload: Payload = {
      b: binding,
      p: purpose,
      n: shown.entries,
      ...(shown.exact ? { x: 1 as const } : {}),
      ...(shown.snapshot === undefined ? {} : { u: shown.snapshot }),
      t: now,
      e: expiresAt,
      ...(caller === undefined ? {} : { w: caller }),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return { token: `${PREFIX}${body}.${this.sign(body)}`, issuedAt: now, expiresAt };
  }

  check(
    token: string,
    binding: string,
    purpose: ConfirmationPurpose,
    now = Date.now(),
    caller?: string,
  ): ConfirmationCheck {
    if (!token.startsWith(PREFIX)) return { ok: false, why: "malformed" };
    const [body, signature, ...rest] = token.slice(PREFIX.length).split(".");
    if (!body || !signature || rest.length > 0) return { ok: false, why: "malformed" };
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, why: "forged" };
    }
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Payload;
    } catch {
      return { ok: false, why: "malformed" };
    }
    if (typeof payload.e !== "number" || payload.e + CLOCK_SKEW_TOLERANCE_MS < now) {
      return { ok: false, why: "expired" };
    }
    if (payload.w !== caller) return { ok: false, why: "otherCaller" };
    if (payload.b !== binding || payload.p !== purpose) return { ok: false, why: "otherCall" };
    return {
      ok: true,
      entries: payload.n,
      exact: payload.x === 1,
      ...(typeof payload.u === "number" ? { snapshot: payload.u } : {}),
      issuedAt: payload.t,
      expiresAt: payload.e,
    };
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}
