import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call, ids, NOW, nth, TOKEN } from "./helpers.js";

const UNAUTHORIZED = { error: "Unauthorized: invalid or missing token" };

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN, entries: 20, seed: 2, now: NOW });
});
afterEach(() => emu.close());

describe("authentication", () => {
  it("rejects a request without a token", async () => {
    const res = await call(emu, "GET", "/v2/workflows/dlq", { token: null });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(UNAUTHORIZED);
  });

  it("rejects a wrong token and a non-bearer scheme", async () => {
    expect((await call(emu, "GET", "/v2/workflows/dlq", { token: "nope" })).status).toBe(401);
    const basic = await call(emu, "GET", "/v2/workflows/dlq", {
      token: null,
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.json).toEqual(UNAUTHORIZED);
  });

  it("does not resume anything for an unauthorized resume", async () => {
    const first = nth(emu.store.list(), 0);
    const res = await call(emu, "POST", "/v2/workflows/dlq/resume", {
      token: "nope",
      query: ids(first.dlqId),
    });
    expect(res.status).toBe(401);
    expect(emu.store.size).toBe(20);
    expect(emu.resumed).toEqual([]);
  });

  it("accepts the bearer token and refuses a token in the query string, even the right one", async () => {
    expect((await call(emu, "GET", "/v2/workflows/dlq")).status).toBe(200);
    const viaQuery = await call(emu, "GET", "/v2/workflows/dlq", {
      token: null,
      query: [["qstash_token", TOKEN]],
    });
    expect(viaQuery.status).toBe(401);
  });

  it("checks the token on control endpoints too", async () => {
    expect((await call(emu, "GET", "/__emulator/state", { token: null })).status).toBe(401);
    expect((await call(emu, "GET", "/__emulator/state")).json).toEqual({
      entries: 20,
      resumed: 0,
      requests: 0,
    });
  });
});

describe("routing", () => {
  it("answers unknown paths with 404", async () => {
    for (const path of ["/", "/v2/workflows", "/v2/workflows/dlq/restart/x/y", "/v1/dlq"]) {
      const res = await call(emu, "GET", path);
      expect(res.status, path).toBe(404);
      expect(res.json).toEqual({ error: "not found" });
    }
  });

  it("answers a wrong method with 405 and the allowed methods", async () => {
    const getResume = await call(emu, "GET", "/v2/workflows/dlq/resume");
    expect(getResume.status).toBe(405);
    expect(getResume.headers.allow).toBe("POST");
    const putList = await call(emu, "PUT", "/v2/workflows/dlq");
    expect(putList.status).toBe(405);
    expect(putList.headers.allow).toBe("GET, DELETE");
    const postOne = await call(emu, "POST", `/v2/workflows/dlq/${nth(emu.store.list(), 0).dlqId}`);
    expect(postOne.status).toBe(405);
    expect(emu.store.size).toBe(20);
  });
});

describe("response headers", () => {
  it("carries the standard Date header on every answer, faults and control endpoints included", async () => {
    emu.inject({ kind: "503", match: (req) => req.method === "DELETE" });
    emu.inject({ kind: "malformed-json", match: (req) => req.path === "/v2/dlq" });
    const answers = [
      await call(emu, "GET", "/v2/workflows/dlq"),
      await call(emu, "GET", "/v2/workflows/dlq", { token: "nope" }),
      await call(emu, "GET", "/v2/workflows/dlq", { query: [["bogus", "1"]] }),
      await call(emu, "GET", "/nowhere"),
      await call(emu, "PUT", "/v2/workflows/dlq"),
      await call(emu, "POST", "/v2/workflows/dlq/resume", { query: ids(nth(emu.store.list(), 0).dlqId) }),
      await call(emu, "DELETE", "/v2/workflows/dlq", { query: [["count", "1"]] }),
      await call(emu, "GET", "/v2/dlq"),
      await call(emu, "GET", "/__emulator/state"),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 400, 404, 405, 200, 503, 200, 200]);
    for (const answer of answers) {
      const date = answer.headers.date;
      expect(typeof date).toBe("string");
      expect(date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(Math.abs(Date.parse(date as string) - Date.now())).toBeLessThan(10_000);
    }
  });
});

describe("request recording", () => {
  it("records every API request with ordered query, lower-case headers and status", async () => {
    const a = nth(emu.store.list(), 0);
    const b = nth(emu.store.list(), 1);
    await call(emu, "POST", "/v2/workflows/dlq/resume", {
      query: [
        ["dlqIds", a.dlqId],
        ["label", "x"],
        ["dlqIds", b.dlqId],
      ],
      headers: { "Upstash-Retries": "2", "X-Custom": "yes" },
    });
    await call(emu, "GET", "/v2/workflows/dlq", { token: "bad" });
    await call(emu, "GET", "/nowhere");
    await call(emu, "DELETE", "/v2/dlq");
    await call(emu, "GET", "/__emulator/state");

    expect(emu.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/v2/workflows/dlq/resume", 200],
      ["GET", "/v2/workflows/dlq", 401],
      ["GET", "/nowhere", 404],
      ["DELETE", "/v2/dlq", 405],
    ]);
    const first = nth(emu.requests, 0);
    expect(first.query).toEqual([
      ["dlqIds", a.dlqId],
      ["label", "x"],
      ["dlqIds", b.dlqId],
    ]);
    expect(first.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(first.headers["upstash-retries"]).toBe("2");
    expect(first.headers["x-custom"]).toBe("yes");
    expect(first.at).toBeGreaterThan(0);
  });

  it("clearRequests empties the log", async () => {
    await call(emu, "GET", "/v2/workflows/dlq");
    expect(emu.requests).toHaveLength(1);
    emu.clearRequests();
    expect(emu.requests).toHaveLength(0);
  });

  it("drains request bodies so the connection stays usable", async () => {
    const res = await request(`${emu.url}/v2/workflows/dlq/resume?count=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ ignored: "x".repeat(100_000) }),
    });
    expect(res.statusCode).toBe(200);
    expect((await res.body.json()) as unknown).toMatchObject({ workflowRuns: [expect.any(Object)] });
    expect((await call(emu, "GET", "/v2/workflows/dlq")).json.messages).toHaveLength(19);
  });
});
