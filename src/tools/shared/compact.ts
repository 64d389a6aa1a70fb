/**
 * A DLQ message cut down to what an agent needs to decide: ids, where and when it failed, and a
 * preview of the response. Headers and bodies can be large and hold secrets, so they come only
 * when the caller asks for them.
 */

import { DEFAULTS } from "../../args/limits.js";
import { clip } from "../../mcp/results.js";
import type { DlqMessage } from "../../wire/types.js";
import type { CompactMessage } from "./output.js";

export interface CompactOptions {
  includeHeaders?: boolean;
  includeBodies?: boolean;
  previewChars?: number;
}

export function compactMessage(message: DlqMessage, options: CompactOptions = {}): CompactMessage {
  const compact: CompactMessage = { dlqId: message.dlqId };
  assign(compact, "workflowRunId", message.workflowRunId);
  assign(compact, "workflowUrl", message.workflowUrl);
  assign(compact, "workflowCreatedAt", message.workflowCreatedAt);
  assign(compact, "createdAt", message.createdAt);
  const labels = labelsOf(message);
  assign(compact, "label", labels[0]);
  if (labels.length > 1) compact.labels = labels;
  assign(compact, "responseStatus", message.responseStatus);
  assign(compact, "failureFunctionState", message.failureFunctionState ?? message.failureCallbackInfo?.state);
  if (message.url && message.url !== message.workflowUrl) compact.failedStepUrl = message.url;
  assign(compact, "callerIp", message.callerIP);
  assign(compact, "flowControlKey", message.flowControlKey);

  const responseBody = bodyText(message.responseBody, message.responseBodyBase64);
  if (responseBody !== undefined) {
    const limit = options.includeBodies
      ? Number.POSITIVE_INFINITY
      : (options.previewChars ?? DEFAULTS.bodyPreviewChars);
    compact.responseBody = responseBody.length > limit ? `${responseBody.slice(0, limit)}…` : responseBody;
    if (responseBody.length > limit) compact.responseBodyTruncated = true;
  }
  if (options.includeHeaders) {
    assign(compact, "header", message.header);
    assign(compact, "responseHeader", message.responseHeader);
  }
  if (options.includeBodies) assign(compact, "body", bodyText(message.body, message.bodyBase64));
  return compact;
}

/** Every label of a message: `label` first, then any others from `labels`. */
export function labelsOf(message: DlqMessage): string[] {
  return [
    ...new Set([message.label, ...(message.labels ?? [])].filter((label): label is string => Boolean(label))),
  ];
}

function assign<K extends keyof CompactMessage>(
  target: CompactMessage,
  key: K,
  value: CompactMessage[K] | undefined,
) {
  if (value !== undefined && value !== null && value !== "") target[key] = value;
}

/** Text bodies as they are; base64 bodies decoded when they are UTF-8 text, described otherwise. */
export function bodyText(text: string | undefined, base64: string | undefined): string | undefined {
  if (text !== undefined) return text;
  if (base64 === undefined) return undefined;
  const bytes = Buffer.from(base64, "base64");
  const decoded = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return decoded.includes("\uFFFD") ? `<${bytes.length} bytes of binary data>` : decoded;
}

/** A URL or label in a message cut to fit is never longer than this. */
const FITTED_TEXT_CHARS = 300;

/**
 * The message cut to fit `maxChars` as JSON: full bodies and headers go first, then the response
 * preview, then long URLs and extra labels. The ids are never cut.
 */
export function fitMessage(message: CompactMessage, maxChars: number): CompactMessage {
  const size = (value: CompactMessage) => JSON.stringify(value).length;
  if (size(message) <= maxChars) return message;
  const fitted: CompactMessage = { ...message, truncated: true };
  for (const field of ["body", "header", "responseHeader"] as const) {
    delete fitted[field];
    if (size(fitted) <= maxChars) return fitted;
  }
  if (fitted.responseBody !== undefined) {
    const keep = Math.max(0, fitted.responseBody.length - (size(fitted) - maxChars) - 8);
    fitted.responseBody = `${fitted.responseBody.slice(0, keep)}…`;
    fitted.responseBodyTruncated = true;
    if (size(fitted) <= maxChars) return fitted;
  }
  for (const field of ["workflowUrl", "failedStepUrl", "label", "flowControlKey", "callerIp"] as const) {
    const text = fitted[field];
    if (text !== undefined && text.length > FITTED_TEXT_CHARS) fitted[field] = clip(text, FITTED_TEXT_CHARS);
  }
  if (fitted.labels && fitted.labels.length > 3)
    fitted.labels = fitted.labels.slice(0, 3).map((label) => clip(label, FITTED_TEXT_CHARS));
  return fitted;
}
