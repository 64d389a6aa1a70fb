/**
 * Selection beyond QStash's filter, applied by this server to the entries it lists: the failed
 * step's HTTP status (codes or classes), text in its response body, and the step's URL. QStash
 * cannot filter on these, so the entries are listed and matched here.
 */
import type { DlqMessage } from "../wire/types.js";

export interface Where {
  /** Codes (503) and classes ("5xx"); any of them matches. */
  responseStatus?: readonly (number | string)[];
  /** Case-insensitive text the response body contains. */
  responseBodyContains?: string;
  /** The failed step's URL, or the start of it. */
  failedStepUrl?: string;
}

export function matcher(where: Where): (message: DlqMessage) => boolean {
  const codes = new Set<number>();
  const classes = new Set<number>();
  for (const status of where.responseStatus ?? []) {
    if (typeof status === "number") codes.add(status);
    else classes.add(Number(status[0]));
  }
  const needle = where.responseBodyContains?.toLowerCase();
  return (message) => {
    if (where.responseStatus) {
      const status = message.responseStatus;
      if (status === undefined || !(codes.has(status) || classes.has(Math.floor(status / 100)))) return false;
    }
    if (needle !== undefined && !responseBody(message).toLowerCase().includes(needle)) return false;
    if (where.failedStepUrl !== undefined && !(message.url ?? "").startsWith(where.failedStepUrl))
      return false;
    return true;
  };
}

function responseBody(message: DlqMessage): string {
  if (message.responseBody !== undefined) return message.responseBody;
  if (message.responseBodyBase64 === undefined) return "";
  return Buffer.from(message.responseBodyBase64, "base64").toString("utf8");
}
