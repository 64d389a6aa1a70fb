import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, type FAULT_KINDS, startEmulator } from "../../src/emulator/index.js";
import type { DlqMessage } from "../../src/wire/types.js";
import { call, ids, NOW, nth, TOKEN, withQuery } from "./helpers.js";

const RESUME = "/v2/workflows/dlq/resume";

let emu: Emulator;
let all: DlqMessage[];
beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN, entries: 60, seed: 5, now: NOW });
  all = emu.store.list();
});
afterEach(() => emu.close());

const resumeFirst = (n = 1) =>
  call(emu, "POST", RESUME, { query: ids(...all.slice(0, n).map((m) => m.dlqId)) });

describe("rate limits", () => {
  it("429-burst answers with Burst-RateLimit headers resetting about a second ahead, and processes nothing", async () => {
    emu.inject({ kind: "429-burst" });
    const res = await resumeFirst(3);
    expect(res.status).toBe(429);
    expect(res.json.error).toEqual(expect.any(String));
    expect(res.headers["burst-ratelimit-limit"]).toMatch(/^\d+$/);
    expect(res.headers["burst-ratelimit-remaining"]).toBe("0");
    const reset = Number(res.headers["burst-ratelimit-reset"]);
    const nowSeconds = Date.now() / 1000;
    expect(reset).toBeGreaterThan(nowSeconds);
    expect(reset).toBeLessThanOrEqual(nowSeconds + 3);
    expect(emu.store.size).toBe(60);
    expect(emu.resumed).toEqual([]);
    expect((await resumeFirst(3)).status).toBe(200);
  });

  it("429-daily answers with RateLimit headers and a reset in the future", async () => {
    emu.inject({ kind: "429-daily" });
    const res = await resumeFirst();
    expect(res.status).toBe(429);
    expect(res.headers["ratelimit-limit"]).toMatch(/^\d+$/);
    expect(res.headers["ratelimit-remaining"]).toBe("0");
    expect(Number(res.headers["ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
    expect(res.headers["burst-ratelimit-limit"]).toBeUndefined();
    expect(emu.resumed).toEqual([]);
  });

  it("429-retry-after answers with Retry-After: 1", async () => {
    emu.inject({ kind: "429-retry-after" });
    const res = await resumeFirst();
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("1");
    expect(emu.resumed).toEqual([]);
  });

  it("lets a test pin the Reset header", async () => {
    emu.inject({ kind: "429-burst", resetAt: 1_900_000_000 });
    expect((await resumeFirst()).headers["burst-ratelimit-reset"]).toBe("1900000000");
  });
});

describe("server errors", () => {
  it.each(["500", "502", "503", "504"] as const)(
    "%s answers with a JSON error and processes nothing",
    async (kind) => {
      emu.inject({ kind });
      const res = await resumeFirst(2);
      expect(res.status).toBe(Number(kind));
      expect(res.headers["content-type"]).toMatch(/application\/json/);
      expect(res.json).toEqual({ error: expect.any(String) });
      expect(emu.store.size).toBe(60);
      expect(emu.resumed).toEqual([]);
      expect(emu.requests.at(-1)).toMatchObject({ status: Number(kind), fault: kind });
    },
  );
});

describe("dropped connections", () => {
  it("reset-before drops the connection and resumes nothing", async () => {
    emu.inject({ kind: "reset-before" });
    await expect(resumeFirst(2)).rejects.toThrow();
    expect(emu.store.size).toBe(60);
    expect(emu.resumed).toEqual([]);
    expect(emu.requests.at(-1)).toMatchObject({ status: 0, fault: "reset-before" });
    expect((await resumeFirst(2)).status).toBe(200);
  });

  it("reset-after resumes the entries and then drops the connection without an answer", async () => {
    emu.inject({ kind: "reset-after" });
    await expect(resumeFirst(2)).rejects.toThrow();
    expect(emu.resumed.map((r) => r.dlqId)).toEqual([nth(all, 0).dlqId, nth(all, 1).dlqId]);
    expect(emu.store.size).toBe(58);
    // Retrying the same ids now fails: the first attempt really happened.
    expect((await resumeFirst(2)).status).toBe(404);
  });
});

describe("slow answers", () => {
  it("slow processes, then waits delayMs before answering", async () => {
    emu.inject({ kind: "slow", delayMs: 300 });
    const started = Date.now();
    const pending = resumeFirst();
    await new Promise((r) => setTimeout(r, 100));
    expect(emu.resumed).toHaveLength(1);
    const res = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(res.status).toBe(200);
    expect(res.json.workflowRuns).toHaveLength(1);
  });

  it("a client timeout on a slow answer still leaves the entries resumed", async () => {
    emu.inject({ kind: "slow", delayMs: 2000 });
    await expect(
      request(`${emu.url}${withQuery(RESUME, ids(nth(all, 0).dlqId))}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect(emu.resumed.map((r) => r.dlqId)).toEqual([nth(all, 0).dlqId]);
  });
});

describe("broken bodies", () => {
  it("malformed-json processes and answers 200 with truncated JSON", async () => {
    emu.inject({ kind: "malformed-json" });
    const res = await resumeFirst(2);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"workflowRuns": [');
    expect(() => JSON.parse(res.text)).toThrow();
    expect(emu.resumed).toHaveLength(2);
  });

  it("wrong-shape processes and answers 200 with an unexpected object", async () => {
    emu.inject({ kind: "wrong-shape" });
    const res = await resumeFirst(2);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ runs: 5 });
    expect(emu.resumed).toHaveLength(2);
  });

  it("huge-body processes and streams exactly the requested number of bytes without a length", async () => {
    emu.inject({ kind: "huge-body", bytes: 3 * 1024 * 1024 + 17 });
    const res = await request(`${emu.url}${withQuery(RESUME, ids(nth(all, 0).dlqId))}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-length"]).toBeUndefined();
    let total = 0;
    let head = "";
    for await (const chunk of res.body) {
      if (head.length < 32) head += chunk.toString();
      total += chunk.length;
    }
    expect(total).toBe(3 * 1024 * 1024 + 17);
    expect(head.startsWith('{"workflowRuns":[{"workflowRunId"')).toBe(true);
    expect(emu.resumed).toHaveLength(1);
  });

  it("huge-body defaults to 50 MB and survives a client that gives up early", async () => {
    emu.inject({ kind: "huge-body" });
    const res = await request(`${emu.url}${withQuery(RESUME, ids(nth(all, 0).dlqId))}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    let seen = 0;
    for await (const chunk of res.body) {
      seen += chunk.length;
      if (seen > 1024 * 1024) break;
    }
    expect(seen).toBeGreaterThan(1024 * 1024);
    expect(seen).toBeLessThan(50 * 1024 * 1024);
    const after = await call(emu, "GET", "/v2/workflows/dlq", { query: [["count", "1"]] });
    expect(after.status).toBe(200);
  });
});

describe("repeat-cursor", () => {
  it("answers with the cursor the request carried, forever, while still processing", async () => {
    const first = await call(emu, "POST", RESUME, { query: [["count", "5"]] });
    const cursor = first.json.cursor as string;
    emu.inject({ kind: "repeat-cursor", times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 3; i++) {
      const res = await call(emu, "POST", RESUME, {
        query: [
          ["count", "5"],
          ["cursor", cursor],
        ],
      });
      expect(res.status).toBe(200);
      expect(res.json.cursor).toBe(cursor);
    }
    expect(emu.resumed).toHaveLength(20);
  });

  it("hands out a fixed, usable cursor when the request had none, even at the end", async () => {
    emu.reset({ entries: 3 });
    emu.inject({ kind: "repeat-cursor", times: 2 });
    const a = await call(emu, "POST", RESUME, { query: [["count", "10"]] });
    expect(a.json.workflowRuns).toHaveLength(3);
    expect(typeof a.json.cursor).toBe("string");
    const b = await call(emu, "POST", RESUME, {
      query: [
        ["count", "10"],
        ["cursor", a.json.cursor],
      ],
    });
    expect(b.status).toBe(200);
    // The run list is empty, so QStash leaves it out; the fault's cursor is still there.
    expect(b.json).toEqual({ cursor: a.json.cursor });
    const c = await call(emu, "POST", RESUME, {
      query: [
        ["count", "10"],
        ["cursor", a.json.cursor],
      ],
    });
    expect(c.json).toEqual({});
  });

  it("leaves an id-mode answer without a cursor unless the fault brings its own", async () => {
    emu.inject({ kind: "repeat-cursor" });
    const plain = await resumeFirst();
    expect(plain.status).toBe(200);
    expect(plain.json).not.toHaveProperty("cursor");
    emu.inject({ kind: "repeat-cursor", cursor: "bogus" });
    const [, second] = all;
    const res = await call(emu, "POST", RESUME, { query: ids(second?.dlqId ?? "") });
    expect(res.json).toEqual({ workflowRuns: [expect.any(Object)], cursor: "bogus" });
    expect(emu.resumed).toHaveLength(2);
  });

  it("uses the cursor given in the fault when the request had none", async () => {
    emu.inject({ kind: "repeat-cursor", cursor: "stuck" });
    const res = await call(emu, "GET", "/v2/workflows/dlq", { query: [["count", "100"]] });
    expect(res.json.cursor).toBe("stuck");
  });
});

describe("fault scheduling", () => {
  it("times, after and match decide which requests are hit", async () => {
    emu.inject({
      kind: "503",
      match: (req) => req.method === "POST" && req.path === RESUME,
      after: 1,
      times: 2,
    });
    const statuses: number[] = [];
    statuses.push((await call(emu, "GET", "/v2/workflows/dlq", { query: [["count", "1"]] })).status);
    for (let i = 0; i < 4; i++) {
      statuses.push((await call(emu, "POST", RESUME, { query: ids(nth(all, i).dlqId) })).status);
    }
    // GET is not matched; the first POST passes (after: 1); the next two fail; then the rule is spent.
    expect(statuses).toEqual([200, 200, 503, 503, 200]);
    expect(emu.resumed.map((r) => r.dlqId)).toEqual([nth(all, 0).dlqId, nth(all, 3).dlqId]);
  });

  it("match sees the query so a test can target one cursor", async () => {
    emu.inject({
      kind: "500",
      match: (req) => req.query.some(([k, v]) => k === "label" && v === "payments"),
    });
    expect((await call(emu, "GET", "/v2/workflows/dlq", { query: [["label", "checkout"]] })).status).toBe(
      200,
    );
    expect((await call(emu, "GET", "/v2/workflows/dlq", { query: [["label", "payments"]] })).status).toBe(
      500,
    );
  });

  it("Infinity keeps failing until clearFaults", async () => {
    emu.inject({ kind: "502", times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 5; i++) expect((await resumeFirst()).status).toBe(502);
    emu.clearFaults();
    expect((await resumeFirst()).status).toBe(200);
  });

  it("does not spend a fault on an unauthorized request", async () => {
    emu.inject({ kind: "500" });
    expect((await call(emu, "GET", "/v2/workflows/dlq", { token: "wrong" })).status).toBe(401);
    expect((await call(emu, "GET", "/v2/workflows/dlq")).status).toBe(500);
  });

  it("several rules fire in injection order", async () => {
    emu.inject({ kind: "429-retry-after" });
    emu.inject({ kind: "503" });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await call(emu, "GET", "/v2/workflows/dlq")).status);
    expect(seen).toEqual([429, 503, 200]);
  });

  it("rejects an unknown kind or a bad times", () => {
    expect(() => emu.inject({ kind: "teapot" as (typeof FAULT_KINDS)[number] })).toThrow(/kind/);
    expect(() => emu.inject({ kind: "500", times: 0 })).toThrow(/times/);
    expect(() => emu.inject({ kind: "500", after: -1 })).toThrow(/after/);
  });
});
