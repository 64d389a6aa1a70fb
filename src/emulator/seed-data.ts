/**
 * What generated failures are made of: the workflows of a fictional shop with their labels,
 * flow-control keys and payloads, the callers, the statuses and the bodies failing endpoints
 * answer with, the headers a Workflow request carries, and how failure callbacks end.
 */
import { type DlqMessage, FAILURE_FUNCTION_STATES, type FailureFunctionState } from "../wire/types.js";
import { ALNUM } from "./ids.js";
import type { Rng } from "./rng.js";

export const HEX = "0123456789abcdef";

export const SEED_WORKFLOW_BASE_URL = "https://api.acme-shop.example/api/workflows";

export interface WorkflowProfile {
  name: string;
  weight: number;
  labels: readonly string[];
  flowControlKeys: readonly string[];
  /** A third-party endpoint reached through `context.call`, which fails with its own URL. */
  externalStepUrl: string;
  payload: (rng: Rng) => Record<string, unknown>;
}

export const WORKFLOWS: readonly WorkflowProfile[] = [
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

export const CALLER_IPS: readonly (readonly [string, number])[] = [
  ["203.0.113.10", 30],
  ["203.0.113.24", 20],
  ["198.51.100.7", 20],
  ["198.51.100.42", 10],
  ["192.0.2.15", 10],
  ["2001:db8:85a3::8a2e:370:7334", 10],
];

export const STATUSES: readonly (readonly [number, number])[] = [
  [500, 25],
  [502, 10],
  [503, 12],
  [504, 10],
  [429, 10],
  [400, 10],
  [404, 8],
  [422, 15],
];

export interface FailureResponse {
  contentType: string;
  body: string;
}

export function shortFailureBody(rng: Rng, status: number, stepUrl: string): FailureResponse {
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
export function longFailureBody(rng: Rng, workflow: string, targetLength: number): FailureResponse {
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

export function requestHeaders(rng: Rng, workflowRunId: string): Record<string, string[]> {
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

export function failureCallbackInfo(rng: Rng): DlqMessage["failureCallbackInfo"] {
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
