/**
 * `POST /v2/trigger/{workflowUrl}`: starts a workflow run. What QStash takes and answers is read
 * from Upstash's Workflow OpenAPI (upstash/docs, `workflow/openapi.yaml`, "Trigger Workflow Run"):
 * the workflow's URL is the rest of the path; `Upstash-Workflow-RunId` (optional, else QStash
 * makes one up), `Upstash-Label`, `Upstash-Retries` (default 3) and `Upstash-Flow-Control-Key`
 * with `-Value` are headers; a 200 answers `{workflowRunId, workflowCreatedAt}`.
 *
 * The emulator calls no one, so every run it starts fails at its first step straight away, as a
 * run whose workflow URL always answers 404 does, and enters the DLQ carrying its label and key:
 * entries of a caller's own making, which the live suite's write mode inspects, resumes under its
 * key and deletes. The listener drains request bodies before routing, so the entry carries no
 * payload.
 */
import type { IncomingMessage } from "node:http";
import { HEADERS, type WorkflowRunRef } from "../wire/types.js";
import { ALNUM, hashedId, URL_SAFE } from "./ids.js";
import { BadRequest, parseOverrides } from "./params.js";
import type { DlqStore } from "./store.js";

/** What a run whose workflow URL always fails gets back, in the DLQ entry. */
const FAILED_STATUS = 404;
const FAILED_BODY = "404 Not Found";
/** The published default for `Upstash-Retries`. */
const DEFAULT_RETRIES = 3;
/**
 * Run ids the emulator takes: a run id travels in `workflowRuns=ID@TS,…` of the logs query, so
 * one holding `@` or `,` could never be asked about. The emulator's own limit, not a documented one.
 */
const RUN_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** Triggers per store, so two runs started in the same millisecond still get different ids. */
const triggered = new WeakMap<DlqStore, number>();

/**
 * The path's rest as a URL: raw, as `@upstash/qstash` puts a publish's destination in its path
 * (`v2/publish/<url>`), or percent-encoded.
 */
export function workflowUrlOf(rest: string): string {
  let url = rest;
  if (!/^https?:\/\//i.test(url)) {
    try {
      url = decodeURIComponent(rest);
    } catch {
      // Left as it is: the check below names it.
    }
  }
  if (!/^https?:\/\/[^/\s]+/i.test(url)) {
    throw new BadRequest(`the workflow URL must start with http:// or https://, got "${rest}"`);
  }
  return url;
}

/**
 * Starts a run that fails at once: its DLQ entry is in the store when this returns. `rest` is the
 * path after `/v2/trigger/`; `receivedAt` is when the request arrived, Unix milliseconds.
 */
export function triggerRun(
  store: DlqStore,
  rest: string,
  req: IncomingMessage,
  receivedAt: number,
): WorkflowRunRef {
  const workflowUrl = workflowUrlOf(rest);
  const overrides = parseOverrides(req);
  const runIdHeader = req.headers[HEADERS.workflowRunId];
  const givenRunId = (Array.isArray(runIdHeader) ? runIdHeader.join(", ") : runIdHeader)?.trim();
  if (givenRunId !== undefined && !RUN_ID_PATTERN.test(givenRunId)) {
    throw new BadRequest(`Upstash-Workflow-RunId may not hold "${givenRunId}"`);
  }
  const n = (triggered.get(store) ?? 0) + 1;
  triggered.set(store, n);
  const createdAt = Math.max(Date.now(), receivedAt);
  const parts = ["trigger", workflowUrl, String(createdAt), String(n)];
  const workflowRunId = givenRunId || hashedId("wfr_", URL_SAFE, 21, parts);
  let dlqId = hashedId("dlq_", ALNUM, 22, parts);
  for (let salt = 1; store.has(dlqId); salt++) dlqId = hashedId("dlq_", ALNUM, 22, [...parts, String(salt)]);

  store.add([
    {
      dlqId,
      messageId: hashedId("msg_", ALNUM, 40, ["msg", dlqId]),
      workflowRunId,
      workflowUrl,
      workflowCreatedAt: createdAt,
      // The first step goes to the workflow's own URL.
      url: workflowUrl,
      method: "POST",
      header: {
        "Upstash-Workflow-Runid": [workflowRunId],
        "Upstash-Workflow-Init": ["true"],
        "Upstash-Workflow-Url": [workflowUrl],
      },
      maxRetries: overrides.retries ?? DEFAULT_RETRIES,
      // It failed after it was created.
      createdAt: createdAt + 1,
      ...(req.socket.remoteAddress ? { callerIP: req.socket.remoteAddress } : {}),
      ...(overrides.label === undefined ? {} : { label: overrides.label }),
      ...(overrides.flowControlKey === undefined ? {} : { flowControlKey: overrides.flowControlKey }),
      responseStatus: FAILED_STATUS,
      responseHeader: { "Content-Type": ["text/plain; charset=utf-8"] },
      responseBody: FAILED_BODY,
    },
  ]);
  // The key exists from now on and takes the configuration the run came with, as on a resume.
  if (overrides.flowControlKey !== undefined) {
    store.flowControl.observe(overrides.flowControlKey, overrides.flowControlValue);
  }
  return { workflowRunId, workflowCreatedAt: createdAt };
}
