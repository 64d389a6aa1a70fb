import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Emulator,
  generateDlqMessages,
  SEED_WORKFLOW_URLS,
  startEmulator,
} from "../../src/emulator/index.js";
import { FAILURE_FUNCTION_STATES } from "../../src/wire/types.js";
import { call, NOW, nth, TOKEN } from "./helpers.js";

const DAY_MS = 24 * 60 * 60 * 1000;

describe("generateDlqMessages", () => {
  const messages = generateDlqMessages({ seed: 7, now: NOW });

  it("is deterministic for the same seed, entries and now", () => {
    expect(generateDlqMessages({ seed: 7, now: NOW })).toEqual(messages);
    expect(generateDlqMessages({ entries: 25, seed: 3, now: NOW })).toEqual(
      generateDlqMessages({ entries: 25, seed: 3, now: NOW }),
    );
  });

  it("changes with the seed and with now", () => {
    const other = generateDlqMessages({ seed: 8, now: NOW });
    expect(other.map((m) => m.dlqId)).not.toEqual(messages.map((m) => m.dlqId));
    const later = generateDlqMessages({ seed: 7, now: NOW + 60_000 });
    expect(later[0]?.createdAt).toBe((messages[0]?.createdAt ?? 0) + 60_000);
  });

  it("defaults to 300 entries and honours entries", () => {
    expect(messages).toHaveLength(300);
    expect(generateDlqMessages({ entries: 0, now: NOW })).toEqual([]);
    expect(generateDlqMessages({ entries: 12, now: NOW })).toHaveLength(12);
  });

  it("uses unique, well-formed ids", () => {
    for (const m of messages) {
      expect(m.dlqId).toMatch(/^dlq_[A-Za-z0-9]{22}$/);
      expect(m.workflowRunId).toMatch(/^wfr_[A-Za-z0-9_-]{21}$/);
    }
    expect(new Set(messages.map((m) => m.dlqId)).size).toBe(messages.length);
  });

  it("spreads createdAt over the day before now, in server order, with the run created shortly before", () => {
    for (const m of messages) {
      expect(m.createdAt).toBeGreaterThanOrEqual(NOW - DAY_MS);
      expect(m.createdAt).toBeLessThan(NOW);
      expect(m.workflowCreatedAt).toBeLessThan(m.createdAt);
      expect(m.createdAt - (m.workflowCreatedAt ?? 0)).toBeLessThanOrEqual(60 * 60_000);
    }
    const keys = messages.map((m) => [m.createdAt, m.dlqId] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    expect(keys).toEqual(sorted);
    expect(nth(messages, -1).createdAt - nth(messages, 0).createdAt).toBeGreaterThan(20 * 60 * 60_000);
  });

  it("covers the workflows, labels and failures an operator would see", () => {
    expect(new Set(messages.map((m) => m.workflowUrl))).toEqual(new Set(SEED_WORKFLOW_URLS));
    expect(SEED_WORKFLOW_URLS).toEqual(
      expect.arrayContaining([
        "https://api.acme-shop.example/api/workflows/payments",
        "https://api.acme-shop.example/api/workflows/order-fulfillment",
        "https://api.acme-shop.example/api/workflows/email-digest",
        "https://api.acme-shop.example/api/workflows/inventory-sync",
      ]),
    );
    const labels = new Set(messages.flatMap((m) => [m.label, ...(m.labels ?? [])]));
    for (const label of ["payments", "checkout", "nightly-batch", "onboarding"])
      expect(labels).toContain(label);
    expect(messages.some((m) => m.label === undefined && m.labels === undefined)).toBe(true);
    expect(messages.some((m) => m.labels !== undefined && m.labels.length > 1)).toBe(true);

    expect(new Set(messages.map((m) => m.responseStatus))).toEqual(
      new Set([500, 502, 503, 504, 429, 400, 404, 422]),
    );
    for (const m of messages) expect(m.failureFunctionState).toBe(m.failureCallbackInfo?.state);
    expect(messages.filter((m) => m.failureFunctionState === undefined)).not.toHaveLength(0);
    const states = new Set(messages.map((m) => m.failureCallbackInfo?.state));
    for (const state of FAILURE_FUNCTION_STATES) expect(states).toContain(state);
    expect(states).toContain(undefined);
    expect(messages.some((m) => m.flowControlKey !== undefined)).toBe(true);
    expect(messages.some((m) => m.flowControlKey === undefined)).toBe(true);
    expect(new Set(messages.map((m) => m.callerIP)).size).toBeGreaterThan(2);
    for (const m of messages) {
      expect(m.method).toBe("POST");
      expect(m.maxRetries).toBe(3);
      expect(m.url).toMatch(/^https:\/\//);
    }
  });

  it("includes long bodies, binary bodies and secret-looking headers", () => {
    const long = messages.filter((m) => (m.responseBody?.length ?? 0) >= 1024);
    expect(long.length).toBeGreaterThan(0);
    for (const m of long) expect(m.responseBody?.length).toBeLessThanOrEqual(3072);

    const binary = messages.filter((m) => m.bodyBase64 !== undefined);
    expect(binary.length).toBeGreaterThan(0);
    for (const m of binary) {
      expect(m.body).toBeUndefined();
      expect(Buffer.from(m.bodyBase64 ?? "", "base64").length).toBeGreaterThan(0);
    }
    for (const m of messages.filter((m) => m.body !== undefined))
      expect(() => JSON.parse(m.body ?? "")).not.toThrow();

    expect(messages.some((m) => m.header?.Authorization?.[0]?.startsWith("Bearer sk_live_"))).toBe(true);
    expect(messages.some((m) => m.header?.["Upstash-Forward-X-Api-Key"] !== undefined)).toBe(true);
    expect(messages.every((m) => m.responseHeader?.["Content-Type"] !== undefined)).toBe(true);
  });
});

describe("a seeded emulator", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ token: TOKEN, entries: 40, seed: 11, now: NOW });
  });
  afterAll(() => emu.close());

  it("serves exactly the generated messages, in full wire shape", async () => {
    const expected = generateDlqMessages({ entries: 40, seed: 11, now: NOW });
    const res = await call(emu, "GET", "/v2/workflows/dlq", { query: [["count", "100"]] });
    expect(res.status).toBe(200);
    // Generated in key order, served newest first.
    expect(res.json.messages).toEqual(expected.reverse());
    expect(res.json.cursor).toBeUndefined();
  });

  it("gives a second emulator with the same seed the same contents", async () => {
    const twin = await startEmulator({ token: TOKEN, entries: 40, seed: 11, now: NOW });
    try {
      expect(twin.store.list()).toEqual(emu.store.list());
    } finally {
      await twin.close();
    }
  });
});
