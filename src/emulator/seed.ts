/**
 * Realistic generated failures, reproducible by seed: each entry draws its workflow, times, step,
 * status, body, labels, key and failure callback from the tables in `seed-data.ts`.
 */
import type { DlqMessage } from "../wire/types.js";
import { compareKeys } from "./cursors.js";
import { ALNUM, URL_SAFE } from "./ids.js";
import { Rng } from "./rng.js";
import {
  CALLER_IPS,
  failureCallbackInfo,
  HEX,
  longFailureBody,
  requestHeaders,
  SEED_LABELS,
  SEED_WORKFLOW_BASE_URL,
  STATUSES,
  shortFailureBody,
  WORKFLOWS,
} from "./seed-data.js";

export interface SeedOptions {
  /** How many DLQ messages to generate. */
  entries?: number;
  /** PRNG seed; the same seed, entries and now always give the same messages. */
  seed?: number;
  /** Unix milliseconds; messages are spread over the 24 hours before it. */
  now?: number;
}

export const DEFAULT_SEED_ENTRIES = 300;
export const DEFAULT_SEED = 1;

const DAY_MS = 24 * 60 * 60 * 1000;

function uniqueId(seen: Set<string>, make: () => string): string {
  for (;;) {
    const id = make();
    if (!seen.has(id)) {
      seen.add(id);
      return id;
    }
  }
}

/**
 * Realistic Workflow DLQ messages, reproducible from `seed`, `entries` and `now`.
 * Returned in key order: createdAt ascending, then dlqId (the emulator serves them newest first).
 */
export function generateDlqMessages(options: SeedOptions = {}): DlqMessage[] {
  const entries = options.entries ?? DEFAULT_SEED_ENTRIES;
  const seed = options.seed ?? DEFAULT_SEED;
  const now = options.now ?? Date.now();
  if (!Number.isSafeInteger(entries) || entries < 0)
    throw new RangeError("entries must be a non-negative integer");
  if (!Number.isSafeInteger(seed)) throw new RangeError("seed must be an integer");
  if (!Number.isSafeInteger(now) || now < DAY_MS) throw new RangeError("now must be Unix milliseconds");

  const rng = new Rng(seed);
  const seenDlqIds = new Set<string>();
  const seenRunIds = new Set<string>();
  const workflowWeights = WORKFLOWS.map((w) => [w, w.weight] as const);
  const messages: DlqMessage[] = [];
  let previousCreatedAt: number | undefined;

  for (let i = 0; i < entries; i++) {
    const workflow = rng.weighted(workflowWeights);
    const workflowUrl = `${SEED_WORKFLOW_BASE_URL}/${workflow.name}`;
    const dlqId = uniqueId(seenDlqIds, () => `dlq_${rng.chars(ALNUM, 22)}`);
    const workflowRunId = uniqueId(seenRunIds, () => `wfr_${rng.chars(URL_SAFE, 21)}`);
    // Parallel steps of one deployment tend to fail in the same millisecond; keep some ties.
    const createdAt =
      previousCreatedAt !== undefined && rng.chance(0.04) ? previousCreatedAt : now - rng.int(1, DAY_MS);
    previousCreatedAt = createdAt;
    const workflowCreatedAt = createdAt - rng.int(2_000, 45 * 60_000);
    const stepUrl = rng.chance(0.25) ? workflow.externalStepUrl : workflowUrl;
    const status = rng.weighted(STATUSES);
    const failure = rng.chance(0.03)
      ? longFailureBody(rng, workflow.name, rng.int(1024, 3072))
      : shortFailureBody(rng, status, stepUrl);

    const message: DlqMessage = {
      dlqId,
      messageId: `msg_${rng.chars(ALNUM, 40)}`,
      workflowRunId,
      workflowUrl,
      workflowCreatedAt,
      url: stepUrl,
      method: "POST",
      header: requestHeaders(rng, workflowRunId),
      maxRetries: 3,
      createdAt,
      callerIP: rng.weighted(CALLER_IPS),
    };

    if (rng.chance(0.03)) {
      message.bodyBase64 = Buffer.from(rng.bytes(rng.int(64, 512))).toString("base64");
      if (message.header) message.header["Content-Type"] = ["application/octet-stream"];
    } else {
      message.body = JSON.stringify(workflow.payload(rng));
    }

    const labelRoll = rng.float();
    if (labelRoll < 0.6) {
      message.label = rng.pick(workflow.labels);
    } else if (labelRoll < 0.7) {
      const first = rng.pick(SEED_LABELS);
      const second = rng.pick(SEED_LABELS.filter((l) => l !== first));
      message.label = first;
      message.labels = [first, second];
    } else if (labelRoll < 0.75) {
      message.labels = [rng.pick(workflow.labels)];
    }

    if (rng.chance(0.35)) message.flowControlKey = rng.pick(workflow.flowControlKeys);

    if (rng.chance(0.65)) {
      message.failureCallback = rng.chance(0.7) ? workflowUrl : `${SEED_WORKFLOW_BASE_URL}/failures`;
      if (rng.chance(0.9)) {
        const info = failureCallbackInfo(rng);
        message.failureCallbackInfo = info;
        if (info?.state !== undefined) message.failureFunctionState = info.state;
      }
    }

    message.responseStatus = status;
    message.responseHeader = {
      "Content-Type": [failure.contentType],
      Date: [new Date(createdAt).toUTCString()],
      "X-Request-Id": [rng.chars(HEX, 32)],
      Server: [rng.pick(["Vercel", "nginx", "cloudflare"])],
    };
    if (status === 429) message.responseHeader["Retry-After"] = ["60"];
    if (rng.chance(0.01)) {
      message.responseBodyBase64 = Buffer.from(rng.bytes(rng.int(32, 128))).toString("base64");
      message.responseHeader["Content-Encoding"] = ["gzip"];
    } else {
      message.responseBody = failure.body;
    }

    messages.push(message);
  }

  return messages.sort(compareKeys);
}
