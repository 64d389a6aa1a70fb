import { connect } from "node:net";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call, ids, NOW, TOKEN, withQuery } from "./helpers.js";

const RESUME = "/v2/workflows/dlq/resume";
const LATENCY_MS = 150;

let emu: Emulator;
afterEach(() => emu.close());

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends a raw request and closes the connection before the emulator's latency pause ends. */
async function sendAndHangUp(path: string): Promise<void> {
  const socket = connect(emu.port, "127.0.0.1");
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 0\r\n\r\n`,
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  socket.destroy();
}

describe("a client that hangs up during the latency pause", () => {
  it("is not acted for: nothing is resumed and the request is recorded unanswered", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 20, now: NOW, latencyMs: LATENCY_MS });
    const [first, second] = emu.store.list();
    await sendAndHangUp(withQuery(RESUME, ids(first?.dlqId ?? "", second?.dlqId ?? "")));
    await waitFor(() => emu.requests.length === 1);
    expect(emu.requests[0]).toMatchObject({ method: "POST", path: RESUME, status: 0 });
    expect(emu.requests[0]?.fault).toBeUndefined();
    expect(emu.resumed).toEqual([]);
    expect(emu.store.size).toBe(20);
  });

  it("is not acted for when an undici request is aborted during the pause", async () => {
    // A long pause, so that on a loaded machine the request still reaches the emulator before the abort.
    emu = await startEmulator({ token: TOKEN, entries: 20, now: NOW, latencyMs: 4 * LATENCY_MS });
    await expect(
      request(`${emu.url}${withQuery(RESUME, [["count", "10"]])}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: AbortSignal.timeout(LATENCY_MS),
      }),
    ).rejects.toThrow();
    await waitFor(() => emu.requests.length === 1);
    expect(emu.requests[0]?.status).toBe(0);
    expect(emu.resumed).toEqual([]);
    expect(emu.store.size).toBe(20);
  });

  it("does not spend an injected fault, which hits the next request instead", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 20, now: NOW, latencyMs: LATENCY_MS });
    emu.inject({ kind: "503" });
    await sendAndHangUp(withQuery(RESUME, [["count", "5"]]));
    await waitFor(() => emu.requests.length === 1);
    const next = await call(emu, "POST", RESUME, { query: [["count", "5"]] });
    expect(next.status).toBe(503);
    expect(emu.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, undefined],
      [503, "503"],
    ]);
    expect(emu.resumed).toEqual([]);
  });

  it("is noticed even when the emulator's process was too busy to see the hang-up before the pause ended", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 20, now: NOW, latencyMs: 40 });
    for (let round = 0; round < 3; round++) {
      const socket = connect(emu.port, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        `POST ${RESUME}?count=5 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 0\r\n\r\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
      socket.destroy();
      // Busy past the end of the latency pause, as a loaded test process can be.
      const until = Date.now() + 80;
      while (Date.now() < until) {}
      await waitFor(() => emu.requests.length === round + 1);
    }
    expect(emu.requests.map((r) => r.status)).toEqual([0, 0, 0]);
    expect(emu.resumed).toEqual([]);
  });

  it("leaves a client that waits served as usual", async () => {
    emu = await startEmulator({ token: TOKEN, entries: 20, now: NOW, latencyMs: LATENCY_MS });
    const res = await call(emu, "POST", RESUME, { query: [["count", "5"]] });
    expect(res.status).toBe(200);
    expect(res.json.workflowRuns).toHaveLength(5);
    expect(emu.resumed).toHaveLength(5);
    expect(emu.requests.map((r) => r.status)).toEqual([200]);
  });
});
