/**
 * The signed-in caller of a call, as the HTTP transport handed it to the SDK (`ctx.http.authInfo`),
 * and what a call does differently for one: its access token is scrubbed from everything the call
 * writes or returns, like the QStash token, and its result keeps room to say who asked.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";
import type { Caller } from "../auth/caller.js";
import { secretsOf } from "../auth/resource.js";
import type { CallExtra, ToolContext } from "./context.js";

export interface SignedInCaller {
  who: Caller;
  scopes: readonly string[];
}

/** Characters a change's result keeps free for `requestedBy`, in its summary and its JSON. */
export const ATTRIBUTION_RESERVE_CHARS = 1_200;

export function signedInCaller(extra: CallExtra): SignedInCaller | undefined {
  const authInfo = extra.http?.authInfo;
  const who = callerIn(authInfo);
  return authInfo && who ? { who, scopes: authInfo.scopes } : undefined;
}

/** The context of one call: the server's, with the caller's token among the secrets. */
export function callContext(context: ToolContext, extra: CallExtra): ToolContext {
  const token = extra.http?.authInfo?.token;
  if (!token) return context;
  const redactor = context.redactor.including(secretsOf(token));
  return {
    ...context,
    redactor,
    log: { log: (level, message) => context.log.log(level, redactor.text(message)) },
    policy: {
      ...context.policy,
      maxResultChars: context.policy.maxResultChars - ATTRIBUTION_RESERVE_CHARS,
    },
  };
}

/** The caller the transport put beside the token; read field by field, as nothing here is typed. */
function callerIn(authInfo: AuthInfo | undefined): Caller | undefined {
  const value = authInfo?.extra?.caller;
  if (!value || typeof value !== "object") return undefined;
  const fields = value as Record<string, unknown>;
  if (typeof fields.sub !== "string") return undefined;
  const text = (key: "clientId" | "email" | "name") => {
    const field = fields[key];
    return typeof field === "string" ? { [key]: field } : {};
  };
  return { sub: fields.sub, ...text("clientId"), ...text("email"), ...text("name") };
}
