import { connect } from "node:net";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, generateDlqMessages, startEmulator } from "../../src/emulator/index.js";
import { call, ids, message, NOW, nth, TOKEN } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe("startEmulator", () => {
  it("listens on loopback with an ephemeral port by default", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 1, now: NOW });
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
    expect(emu.port).toBeGreaterThan(0);
  });

  it("serves explicit messages instead of generated ones", async () => {
    const messages = [message({ dlqId: "dlq_only_one" })];
    emu = await startEmulator({ token: TOKEN, messages });
    const res = await call(emu, "GET", "/v2/workflows/dlq");
    expect(res.json).toEqual({ messages });
  });

  it("refuses a refail share outside 0..1 and a fractional refail seed", async () => {
    for (const share of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(startEmulator({ token: TOKEN, entries: 1, now: NOW, refail: { share } })).rejects.toThrow(
        /refail\.share/,
      );
    }
    await expect(
      startEmulator({ token: TOKEN, entries: 1, now: NOW, refail: { share: 0.5, seed: 1.5 } }),
    ).rejects.toThrow(/refail\.seed/);
  });

  it("refuses an empty token and duplicate dlqIds", async () => {
    await expect(startEmulator({ token: "" })).rejects.toThrow(/token/);
    await expect(
      startEmulator({ token: TOKEN, messages: [message({ dlqId: "dup" }), message({ dlqId: "dup" })] }),
    ).rejects.toThrow(/duplicate/);
  });

  it("adds latencyMs before every API response", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 5, now: NOW, latencyMs: 150 });
    const started = Date.now();
    const res = await call(emu, "GET", "/v2/workflows/dlq", { token: "wrong" });
    expect(res.status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("close() returns promptly with an idle keep-alive connection open", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 5, now: NOW });
    const res = await call(emu, "GET", "/v2/workflows/dlq");
    expect(res.status).toBe(200);
    const socket = connect(emu.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await closed;
    await expect(
      request(`${emu.url}/v2/workflows/dlq`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    ).rejects.toThrow();
  });
});

describe("reset", () => {
  it("reset() brings back the initial contents and forgets resumed runs", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 30, seed: 3, now: NOW });
    const initial = emu.store.list();
    await call(emu, "POST", "/v2/workflows/dlq/resume", { query: [["count", "10"]] });
    expect(emu.store.size).toBe(20);
    expect(emu.resumed).toHaveLength(10);
    emu.reset();
    expect(emu.store.list()).toEqual(initial);
    expect(emu.resumed).toHaveLength(0);
  });

  it("reset(options) regenerates with the new settings or loads given messages", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 30, seed: 3, now: NOW });
    emu.reset({ seed: 4 });
    expect(emu.store.list()).toEqual(generateDlqMessages({ entries: 30, seed: 4, now: NOW }).reverse());
    emu.reset({ messages: [message({ dlqId: "dlq_x" })] });
    expect(emu.store.list().map((m) => m.dlqId)).toEqual(["dlq_x"]);
  });

  it("POST /__emulator/reset reseeds, GET /__emulator/state counts, and neither is recorded", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 30, seed: 3, now: NOW });
    const first = nth(emu.store.list(), 0);
    await call(emu, "POST", "/v2/workflows/dlq/resume", { query: ids(first.dlqId) });
    expect((await call(emu, "GET", "/__emulator/state")).json).toEqual({
      entries: 29,
      resumed: 1,
      requests: 1,
    });

    const reset = await call(emu, "POST", "/__emulator/reset", {
      query: [
        ["entries", "12"],
        ["seed", "8"],
      ],
    });
    expect(reset.status).toBe(200);
    expect(reset.json).toEqual({ entries: 12, resumed: 0, requests: 1 });
    expect(emu.store.list()).toEqual(generateDlqMessages({ entries: 12, seed: 8, now: NOW }).reverse());
    expect(emu.requests).toHaveLength(1);

    const bad = await call(emu, "POST", "/__emulator/reset", { query: [["entries", "many"]] });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain("entries");
    const typo = await call(emu, "POST", "/__emulator/reset", { query: [["entires", "3"]] });
    expect(typo.status).toBe(400);
    expect(typo.json.error).toBe('unknown query parameter "entires"');
    const stateTypo = await call(emu, "GET", "/__emulator/state", { query: [["verbose", "1"]] });
    expect(stateTypo.status).toBe(400);
    expect((await call(emu, "GET", "/__emulator/reset")).status).toBe(405);
    expect(emu.store.size).toBe(12);
  });
});
