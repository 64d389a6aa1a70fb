import { type DlqMessage, FAILURE_FUNCTION_STATES, type FailureFunctionState } from "../wire/types.js";
import { compareKeys } from "./cursors.js";

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
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URL_SAFE = `${ALNUM}_-`;
const HEX = "0123456789abcdef";

export const SEED_WORKFLOW_BASE_URL = "https://api.acme-shop.example/api/workflows";

/** mulberry32: tiny, fast and good enough to make fixtures look random yet reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** Inclusive on both ends. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError("cannot pick from an empty list");
    return item;
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new RangeError("cannot pick from an empty list");
    return last[0];
  }

  chars(alphabet: string, length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

interface WorkflowProfile {
  name: string;
  weight: number;
  labels: readonly string[];
  flowControlKeys: readonly string[];
  /** A third-party endpoint reached through `context.call`, which fails with its own URL. */
  externalStepUrl: string;
  payload: (rng: Rng) => Record<string, unknown>;
}

const WORKFLOWS: readonly WorkflowProfile[] = [
  {
    name: "payments",
    weight: 35,
    labels: ["payments", "checkout"],
    flowControlKeys: ["payments-api", "stripe.charges"],
    externalStepUrl: "https://api.stripe.example/v1/payment_intents",
    payload: (rng) => ({
      orderId: `ord_${rng.chars(ALNUM, 12)}`,
      customerId: `cus_${rng.chars(ALNUM, 14)}`,
      amount: rng.int(199, 250_000),
      currency: rng.pick(["usd", "eur", "gbp"]),
      capture: rng.chance(0.8),
    }),
  },
  {
    name: "order-fulfillment",
    weight: 25,
    labels: ["checkout"],
    flowControlKeys: ["fulfillment_partner"],
    externalStepUrl: "https://shipping.partner.example/v2/shipments",
    payload: (rng) => ({
      orderId: `ord_${rng.chars(ALNUM, 12)}`,
      warehouse: rng.pick(["ams-1", "fra-2", "iad-1"]),
      items: Array.from({ length: rng.int(1, 4) }, () => ({
        sku: `SKU-${rng.chars("0123456789", 6)}`,
        quantity: rng.int(1, 5),
      })),
      express: rng.chance(0.2),
    }),
  },
  {
    name: "email-digest",
    weight: 20,
    labels: ["nightly-batch", "onboarding"],
    flowControlKeys: ["mail.provider"],
    externalStepUrl: "https://mail.provider.example/v3/mail/send",
    payload: (rng) => ({
      userId: `usr_${rng.chars(ALNUM, 16)}`,
      email: `${rng.chars("abcdefghijklmnopqrstuvwxyz", rng.int(4, 10))}@customer.example`,
      template: rng.pick(["weekly-digest", "welcome-day-3", "cart-reminder"]),
      locale: rng.pick(["en-US", "de-DE", "fr-FR"]),
    }),
  },
  {
    name: "inventory-sync",
    weight: 15,
    labels: ["nightly-batch"],
    flowControlKeys: ["erp-sync"],
    externalStepUrl: "https://erp.internal.example/api/stock/levels",
    payload: (rng) => ({
      batchId: `batch_${rng.chars(HEX, 10)}`,
      warehouse: rng.pick(["ams-1", "fra-2", "iad-1"]),
      skus: Array.from({ length: rng.int(2, 6) }, () => `SKU-${rng.chars("0123456789", 6)}`),
      fullSync: rng.chance(0.1),
    }),
  },
  {
    name: "user-onboarding",
    weight: 5,
    labels: ["onboarding"],
    flowControlKeys: ["crm.contacts"],
    externalStepUrl: "https://crm.vendor.example/api/contacts",
    payload: (rng) => ({
      userId: `usr_${rng.chars(ALNUM, 16)}`,
      plan: rng.pick(["free", "pro", "team"]),
      referrer: rng.chance(0.3) ? `ref_${rng.chars(ALNUM, 8)}` : null,
    }),
  },
];

export const SEED_WORKFLOW_URLS: readonly string[] = WORKFLOWS.map(
  (w) => `${SEED_WORKFLOW_BASE_URL}/${w.name}`,
);
export const SEED_LABELS: readonly string[] = [...new Set(WORKFLOWS.flatMap((w) => w.labels))];

const CALLER_IPS: readonly (readonly [string, number])[] = [
  ["203.0.113.10", 30],
  ["203.0.113.24", 20],
  ["198.51.100.7", 20],
  ["198.51.100.42", 10],
  ["192.0.2.15", 10],
  ["2001:db8:85a3::8a2e:370:7334", 10],
];

const STATUSES: readonly (readonly [number, number])[] = [
  [500, 25],
  [502, 10],
  [503, 12],
  [504, 10],
  [429, 10],
  [400, 10],
  [404, 8],
  [422, 15],
];

interface FailureResponse {
  contentType: string;
  body: string;
}

function shortFailureBody(rng: Rng, status: number, stepUrl: string): FailureResponse {
  const json = (value: unknown): FailureResponse => ({
    contentType: "application/json",
    body: JSON.stringify(value),
  });
  const text = (body: string): FailureResponse => ({ contentType: "text/plain; charset=utf-8", body });
  const path = stepUrl.replace(/^https?:\/\/[^/]+/, "");
  switch (status) {
    case 500:
      return rng.pick([
        json({ error: "Internal Server Error" }),
        json({ message: "database connection pool exhausted", code: "P2024" }),
        text("TypeError: Cannot read properties of undefined (reading 'id')"),
      ]);
    case 502:
      return rng.pick([
        {
          contentType: "text/html",
          body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
        },
        text(
          "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
        ),
      ]);
    case 503:
      return rng.pick([json({ error: "Service Unavailable", retryAfter: 30 }), text("no healthy upstream")]);
    case 504:
      return rng.pick([
        json({ message: "Endpoint request timed out" }),
        text(
          `An error occurred with your deployment\n\nFUNCTION_INVOCATION_TIMEOUT\n\niad1::${rng.chars(HEX, 5)}-${rng.int(1e12, 9e12)}-${rng.chars(HEX, 12)}`,
        ),
      ]);
    case 429:
      return json({ error: "rate_limited", message: "Too many requests, retry after 60s" });
    case 400:
      return rng.pick([
        json({ error: "invalid_request", message: "amount must be a positive integer" }),
        json({ error: "invalid_request", message: "missing required field: orderId" }),
      ]);
    case 404:
      return rng.pick([json({ error: "Not Found" }), text(`Cannot POST ${path}`)]);
    default:
      return rng.pick([
        json({ errors: [{ field: "email", message: "is invalid" }] }),
        json({ error: "unprocessable_entity", message: "order already fulfilled" }),
      ]);
  }
}

/** Stack traces and HTML error pages are what make real DLQ bodies large. */
function longFailureBody(rng: Rng, workflow: string, targetLength: number): FailureResponse {
  const frames = [
    `at processStep (/var/task/.next/server/app/api/workflows/${workflow}/route.js:1:${rng.int(1000, 9999)})`,
    "at async WorkflowContext.run (/var/task/node_modules/@upstash/workflow/dist/nextjs.js:2:14321)",
    "at async AutoExecutor.runSingle (/var/task/node_modules/@upstash/workflow/dist/nextjs.js:2:9876)",
    "at async serve (/var/task/node_modules/@upstash/workflow/dist/nextjs.js:3:1200)",
    "at async Server.handleRequest (/var/task/node_modules/next/dist/server/base-server.js:1:45021)",
    "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
  ];
  let body = `Error: ${rng.pick(["upstream request failed", "transaction aborted", "deadlock detected"])} (requestId=${rng.chars(HEX, 16)})\n`;
  while (body.length < targetLength) body += `    ${rng.pick(frames)}\n`;
  return { contentType: "text/plain; charset=utf-8", body: body.slice(0, targetLength) };
}

function requestHeaders(rng: Rng, workflowRunId: string): Record<string, string[]> {
  const header: Record<string, string[]> = {
    "Content-Type": ["application/json"],
    "Upstash-Workflow-Runid": [workflowRunId],
    "Upstash-Workflow-Init": ["false"],
    "Upstash-Workflow-Sdk-Version": ["1"],
    "Upstash-Feature-Set": ["LazyFetch,InitialBody,WF_DetectTrigger"],
    "Upstash-Telemetry-Sdk": ["@upstash/workflow@v1.3.3"],
    "Upstash-Telemetry-Framework": [rng.pick(["nextjs", "hono", "express"])],
  };
  if (rng.chance(0.3)) header.Authorization = [`Bearer sk_live_${rng.chars(ALNUM, 24)}`];
  if (rng.chance(0.2)) header["Upstash-Forward-X-Api-Key"] = [`ak_${rng.chars(HEX, 32)}`];
  if (rng.chance(0.05)) header["Upstash-Forward-X-Webhook-Secret"] = [`whsec_${rng.chars(ALNUM, 32)}`];
  return header;
}

function failureCallbackInfo(rng: Rng): DlqMessage["failureCallbackInfo"] {
  const state: FailureFunctionState = rng.weighted(
    FAILURE_FUNCTION_STATES.map(
      (s) => [s, s === "CALLBACK_FAIL" ? 3 : s === "CALLBACK_SUCCESS" ? 4 : 1] as const,
    ),
  );
  switch (state) {
    case "CALLBACK_SUCCESS":
      return {
        state,
        responseStatus: 200,
        responseBody: '{"ok":true}',
        responseHeaders: { "Content-Type": ["application/json"] },
      };
    case "CALLBACK_FAIL":
      return {
        state,
        responseStatus: rng.pick([500, 502, 504]),
        responseBody: '{"error":"failure handler crashed"}',
        responseHeaders: { "Content-Type": ["application/json"] },
      };
    default:
      return { state };
  }
}

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
