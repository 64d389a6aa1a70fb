/**
 * Who is calling, as a verified access token says: its subject and, when the token has them, the
 * client it was issued to, an email and a name. It goes into every journal line of the call, the
 * confirmation question and the result of a change. Nothing of the token itself is kept.
 * The values come from the identity provider's records, which people edit: a name is shown only
 * quoted, and every value is bounded.
 */
import { quoted } from "../quote.js";

export interface Caller {
  /** The token's `sub`: the one claim every provider sets and nobody can change for themselves. */
  sub: string;
  clientId?: string;
  email?: string;
  name?: string;
}

/** Claims shown to people are cut past this: a name is a name, not a paragraph. */
const MAX_CLAIM_CHARS = 200;
/**
 * A subject is never cut: it tells people apart (a confirm token is bound to it), and two long
 * ones may share any prefix. One longer than this is refused rather than cut.
 */
const MAX_SUB_CHARS = 1_024;

/** The caller a verified token's claims name; undefined without a usable `sub`. */
export function callerOf(claims: Record<string, unknown>): Caller | undefined {
  const sub = claims.sub;
  if (typeof sub !== "string" || sub.trim() === "" || sub.length > MAX_SUB_CHARS) return undefined;
  // `client_id` is RFC 9068's; `azp` is OpenID's and what Keycloak and Auth0 set; Entra ID's is `appid` (v1) or `azp` (v2).
  const clientId = claim(claims.client_id) ?? claim(claims.azp) ?? claim(claims.appid);
  const email = claim(claims.email);
  // Without a display name, the sign-in name: Keycloak's and Entra ID's `preferred_username`, Entra v1's `upn`.
  const name = claim(claims.name) ?? claim(claims.preferred_username) ?? claim(claims.upn);
  return {
    sub,
    ...(clientId === undefined ? {} : { clientId }),
    ...(email === undefined ? {} : { email }),
    ...(name === undefined ? {} : { name }),
  };
}

function claim(value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  return value.length > MAX_CLAIM_CHARS ? value.slice(0, MAX_CLAIM_CHARS) : value;
}

/** The caller in words, every value quoted: `"Ada" <"ada@example.com"> (sub "1234", client "cursor")`. */
export function describeCaller(caller: Caller): string {
  const who = [
    caller.name === undefined ? undefined : quoted(caller.name, 80),
    caller.email === undefined ? undefined : `<${quoted(caller.email, 120)}>`,
  ].filter(Boolean);
  const ids = [
    `sub ${quoted(caller.sub, 80)}`,
    caller.clientId ? `client ${quoted(caller.clientId, 80)}` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  return who.length > 0 ? `${who.join(" ")} (${ids})` : ids;
}
