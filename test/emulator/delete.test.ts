/**
 * Delete as QStash serves it: one entry by path (an empty 200, a 404 when it is not there), a
 * list of ids (the ids found deleted and counted; refused whole with the `partialIdBatches` quirk
 * off), a filter or all page by page with `{deleted, cursor}`; a deleted entry never runs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call, ids, message, NOW, TOKEN } from "./helpers.js";

const LIST = "/v2/workflows/dlq";

describe("delete", () => {
  let emu: Emulator;
  const messages = Array.from({ length: 120 }, (_, i) =>
    message({
      dlqId: `dlq_${String(i).padStart(3, "0")}`,
      createdAt: NOW - 100_000 + i,
      label: i % 2 ? "odd" : "even",
    }),
  );
  beforeAll(async () => {
    emu = await startEmulator({ token: TOKEN, messages });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset({ messages }));

  it("removes one entry by path with an empty answer, and answers 404 the second time", async () => {
    const first = await call(emu, "DELETE", `${LIST}/dlq_007`);
    expect(first.status).toBe(200);
    expect(first.text).toBe("");
    expect(emu.store.has("dlq_007")).toBe(false);
    const again = await call(emu, "DELETE", `${LIST}/dlq_007`);
    expect(again.status).toBe(404);
    expect((await call(emu, "PUT", `${LIST}/dlq_007`)).status).toBe(405);
    expect(emu.resumed).toEqual([]);
  });

  it("removes a list of ids, and counts only the ones it found when one is missing", async () => {
    const ok = await call(emu, "DELETE", LIST, { query: ids("dlq_001", "dlq_002", "dlq_003") });
    expect(ok.json).toEqual({ deleted: 3 });
    const short = await call(emu, "DELETE", LIST, { query: ids("dlq_004", "dlq_001") });
    expect(short.status).toBe(200);
    expect(short.json).toEqual({ deleted: 1 });
    expect(emu.store.has("dlq_004")).toBe(false);
  });

  it("refuses the whole list when one is missing, with partialIdBatches off", async () => {
    const tidy = await startEmulator({ token: TOKEN, messages, quirks: { partialIdBatches: false } });
    try {
      const refused = await call(tidy, "DELETE", LIST, { query: ids("dlq_004", "dlq_nope") });
      expect(refused.status).toBe(404);
      expect(tidy.store.has("dlq_004")).toBe(true);
    } finally {
      await tidy.close();
    }
  });

  it("pages a filter 100 at a time with a cursor, and all the same way", async () => {
    const first = await call(emu, "DELETE", LIST, {
      query: [
        ["label", "even"],
        ["count", "40"],
      ],
    });
    expect(first.json.deleted).toBe(40);
    expect(first.json.cursor).toBeTruthy();
    const rest = await call(emu, "DELETE", LIST, {
      query: [
        ["label", "even"],
        ["count", "40"],
        ["cursor", first.json.cursor],
      ],
    });
    expect(rest.json).toEqual({ deleted: 20 });
    expect(emu.store.list().every((m) => m.label === "odd")).toBe(true);
    const all = await call(emu, "DELETE", LIST, { query: [["count", "500"]] });
    expect(all.json.deleted).toBe(60);
    expect(emu.store.size).toBe(0);
  });

  it("takes the same auth and faults as resume", async () => {
    expect((await call(emu, "DELETE", `${LIST}/dlq_001`, { token: "wrong" })).status).toBe(401);
    emu.inject({ kind: "503", match: (req) => req.method === "DELETE" });
    expect((await call(emu, "DELETE", LIST, { query: ids("dlq_001") })).status).toBe(503);
    expect(emu.store.has("dlq_001")).toBe(true);
  });
});
