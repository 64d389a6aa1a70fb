/**
 * Confirmation tokens: what a result hands out when a large change needs the user's yes and the
 * client cannot ask through elicitation. A token names the call it confirms (tool, selection and
 * options, as one fingerprint), how many entries the user was shown, and when it expires, signed
 * with a key every replica holding the same QStash token derives alike, so any of them can check
 * it. It carries no secret: only the signature is.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const PREFIX = "wdlqc1.";
/** Long enough to ask a person, short enough that a token found later is dead. */
export const CONFIRMATION_LIFETIME_MS = 10 * 60_000;

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
  | { ok: true; entries: number; issuedAt: number }
  | { ok: false; why: "malformed" | "forged" | "expired" | "otherCall" };

interface Payload {
  /** The fingerprint of the call it confirms. */
  b: string;
  p: ConfirmationPurpose;
  /** Entries the question named. */
  n: number;
  /** Issued and expires, Unix milliseconds. */
  t: number;
  e: number;
}

export class ConfirmationSigner {
  constructor(private readonly key: Buffer) {}

  issue(binding: string, purpose: ConfirmationPurpose, entries: number, now = Date.now()): Confirmation {
    const expiresAt = now + CONFIRMATION_LIFETIME_MS;
    const payload: Payload = { b: binding, p: purpose, n: entries, t: now, e: expiresAt };
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return { token: `${PREFIX}${body}.${this.sign(body)}`, issuedAt: now, expiresAt };
  }

  check(token: string, binding: string, purpose: ConfirmationPurpose, now = Date.now()): ConfirmationCheck {
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
    if (typeof payload.e !== "number" || payload.e < now) return { ok: false, why: "expired" };
    if (payload.b !== binding || payload.p !== purpose) return { ok: false, why: "otherCall" };
    return { ok: true, entries: payload.n, issuedAt: payload.t };
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}
