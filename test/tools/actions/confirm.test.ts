/**
 * Confirmation before large changes, both ways a client can give it: a client that declares form
 * elicitation is asked in the call (as a request on a 2025 session, in band on 2026-07-28); any
 * other client gets the preview and a signed confirm token, which the next call passes back and
 * which any replica of a stateless deployment accepts. Nothing changes until the user agreed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../src/emulator/index.js";
import { encodeCursor, fingerprint } from "../../../src/engine/cursor.js";
import type { DlqMessage } from "../../../src/wire/types.js";
import { type Asker, connectHttp, ERAS, type McpTestClient } from "../../support/clients.js";
import { FIXED_NOW } from "../../support/data.js";
import { type Fixture, sealedCursor, TEST_TOKEN, textOf, useFixture } from "../../support/harness.js";
import { startHttpServer } from "../../support/http-server.js";

interface Gated {
  stopReason: string;
  complete: boolean;
  confirm?: string;
  confirmExpiresAt?: string;
  deleted?: number;
  cursor?: string;
  resumed?: number;
  preview?: { matched: number };
}

const data = (result: { structuredContent?: unknown }) => result.structuredContent as Gated;
const CHANGES = (r: { method: string; path: string }) =>
  r.method === "DELETE" || (r.method === "POST" && r.path.startsWith("/v2/workflows/dlq/re"));
const YES: Asker = () => ({ action: "accept", content: { confirm: true } });
const NO: Asker = () => ({ action: "decline" });

describe("a client without elicitation", () => {
  const fixture = useFixture({ entries: 150, seed: 9, now: FIXED_NOW }, { confirm: true });

  it("gets the preview and a token for all: true, and changes nothing until it passes the token back", async () => {
    const first = await fixture.call("dlq_delete", { all: true, where: { responseStatus: [422] } });
    expect(first.isError).toBeFalsy();
    const matching = fixture.emulator.store.list().filter((m) => m.responseStatus === 422).length;
    expect(data(first)).toMatchObject({ stopReason: "unconfirmed", complete: false });
    expect(data(first).preview?.matched).toBe(matching);
    expect(textOf(first)).toMatch(
      new RegExp(`^Delete ${matching} DLQ entries from the whole DLQ with status 422\\? .*ask the user`),
    );
    expect(fixture.emulator.requests.filter(CHANGES)).toEqual([]);
    expect(fixture.emulator.store.size).toBe(150);

    const confirm = data(first).confirm as string;
    const second = await fixture.call("dlq_delete", { all: true, where: { responseStatus: [422] }, confirm });
    expect(data(second)).toMatchObject({ stopReason: "done", deleted: matching });
    expect(fixture.emulator.store.size).toBe(150 - matching);
  });

  it("refuses a token for other arguments, or one that was tampered with, sending no change", async () => {
    const first = await fixture.call("dlq_resume_all", { flowControl: { key: "redrive-1", rate: 5 } });
    const confirm = data(first).confirm as string;
    expect(confirm).toMatch(/^wdlqc1\./);
    const other = await fixture.call("dlq_resume_all", {
      flowControl: { key: "redrive-1", rate: 500 },
      confirm,
    });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/confirms other arguments/);
    const forged = `${confirm.slice(0, -2)}${confirm.endsWith("AA") ? "BB" : "AA"}`;
    const tampered = await fixture.call("dlq_resume_all", {
      flowControl: { key: "redrive-1", rate: 5 },
      confirm: forged,
    });
    expect(tampered.isError).toBe(true);
    expect(textOf(tampered)).toMatch(/not issued by this deployment/);
    expect(fixture.emulator.requests.filter(CHANGES)).toEqual([]);
    expect(fixture.emulator.resumed).toEqual([]);
  });

  it("is not asked about a small change, nor about a continuation of a confirmed one", async () => {
    const label = fixture.emulator.store.list().find((m) => m.label)?.label as string;
    const small = fixture.emulator.store
      .list()
      .filter((m) => m.label === label)
      .slice(0, 3)
      .map((m) => m.dlqId);
    const direct = await fixture.call("dlq_restart", { dlqIds: small });
    expect(data(direct)).toMatchObject({ stopReason: "done" });
    expect(fixture.emulator.resumed).toHaveLength(3);

    const asked = await fixture.call("dlq_resume_all", { count: 20, maxPages: 1 });
    const confirmed = await fixture.call("dlq_resume_all", {
      count: 20,
      maxPages: 1,
      confirm: data(asked).confirm as string,
    });
    let cursor = (confirmed.structuredContent as { cursor?: string }).cursor;
    expect(cursor).toBeTruthy();
    const next = await fixture.call("dlq_resume_all", { count: 20, maxPages: 1, cursor });
    expect((next.structuredContent as { resumed: number }).resumed).toBe(20);
    cursor = (next.structuredContent as { cursor?: string }).cursor;
    expect(cursor).toBeTruthy();
  });

  it("asks about an id list longer than the threshold, and refuses confirm with dryRun", async () => {
    const ids = fixture.emulator.store
      .list()
      .slice(0, 101)
      .map((m) => m.dlqId);
    const asked = await fixture.call("dlq_resume", { dlqIds: ids });
    expect(data(asked).stopReason).toBe("unconfirmed");
    expect(textOf(asked)).toMatch(/^Resume 101 DLQ entries by id, with no flow control\?/);
    expect(fixture.emulator.resumed).toEqual([]);
    const mixed = await fixture.call("dlq_resume", {
      dlqIds: ids,
      dryRun: true,
      confirm: data(asked).confirm,
    });
    expect(mixed.isError).toBe(true);
    expect(textOf(mixed)).toMatch(/leave out dryRun and cursor/);
  });
});

describe("--confirm-over and --no-confirm", () => {
  const lowered = useFixture({ entries: 40, seed: 9, now: FIXED_NOW }, { args: ["--confirm-over", "5"] });

  it("asks past the threshold the flag sets", async () => {
    const ids = lowered.emulator.store
      .list()
      .slice(0, 6)
      .map((m) => m.dlqId);
    expect(data(await lowered.call("dlq_delete", { dlqIds: ids.slice(0, 5) })).stopReason).toBe("done");
    const asked = await lowered.call("dlq_delete", { dlqIds: ids.slice(0, 6) });
    expect(data(asked).stopReason).toBe("unconfirmed");
    expect(lowered.emulator.store.size).toBe(35);
  });
});

describe("--no-confirm", () => {
  const unattended = useFixture({ entries: 40, seed: 9, now: FIXED_NOW }, { args: ["--no-confirm"] });

  it("acts at once, as automation with its own safeguards wants", async () => {
    const result = await unattended.call("dlq_delete", { all: true });
    expect(data(result)).toMatchObject({ stopReason: "done", deleted: 40 });
  });
});

describe.each(ERAS)("a %s client that declares form elicitation, over stdio", (era) => {
  const questions: string[] = [];
  let answer: Asker = YES;
  const fixture: Fixture = useFixture(
    { entries: 150, seed: 9, now: FIXED_NOW },
    {
      confirm: true,
      era,
      asks: (message, schema) => {
        questions.push(message);
        expect(schema).toMatchObject({ type: "object", properties: { confirm: { type: "boolean" } } });
        return answer(message, schema);
      },
    },
  );

  it("is asked in the call, and a yes goes ahead in that same call", async () => {
    questions.length = 0;
    answer = YES;
    const result = await fixture.call("dlq_resume_all", { flowControl: { key: "redrive-2", rate: 10 } });
    expect(questions).toEqual([
      "Resume 150 DLQ entries (the whole DLQ), paced under flow-control key redrive-2? Each runs again from its failed step.",
    ]);
    expect(data(result)).toMatchObject({ stopReason: "done", resumed: 150 });
    expect(fixture.emulator.store.size).toBe(0);
  });

  it("changes nothing when the user says no", async () => {
    questions.length = 0;
    answer = NO;
    const result = await fixture.call("dlq_delete", { all: true });
    expect(questions).toHaveLength(1);
    expect(result.isError).toBeFalsy();
    expect(data(result).stopReason).toBe("declined");
    expect(textOf(result)).toMatch(/did not confirm: nothing was deleted/);
    expect(fixture.emulator.requests.filter(CHANGES)).toEqual([]);
    expect(fixture.emulator.store.size).toBe(150);
  });
});

describe("stateless HTTP", () => {
  let emulator: Emulator;
  const servers: { stop: () => Promise<void>; url: string }[] = [];
  const clients: McpTestClient[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ token: TEST_TOKEN, entries: 150, seed: 9, now: FIXED_NOW });
    const env = { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN };
    // Two replicas behind one load balancer: the same token, nothing else shared.
    servers.push(await startHttpServer([], env, { confirm: true }));
    servers.push(await startHttpServer([], env, { confirm: true }));
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const server of servers) await server.stop();
    await emulator.close();
  });
  const client = async (
    at: number,
    ...rest: Parameters<typeof connectHttp> extends [string, ...infer R] ? R : never
  ) => {
    const connected = await connectHttp((servers[at] as { url: string }).url, ...rest);
    clients.push(connected);
    return connected;
  };
  const call = (c: McpTestClient, name: string, args: Record<string, unknown>) =>
    c.callTool({ name, arguments: args });

  it.each(ERAS)("a %s client's token from one replica is accepted by the other", async (era) => {
    emulator.reset({ entries: 150, seed: 9, now: FIXED_NOW });
    const first = await call(await client(0, {}, era), "dlq_delete", { all: true });
    expect(data(first).stopReason).toBe("unconfirmed");
    const second = await call(await client(1, {}, era), "dlq_delete", {
      all: true,
      confirm: data(first).confirm,
    });
    expect(data(second)).toMatchObject({ stopReason: "done", deleted: 150 });
  });

  it("a 2026-07-28 client that declares elicitation is asked in band, whichever replica gets the retry", async () => {
    emulator.reset({ entries: 150, seed: 9, now: FIXED_NOW });
    const questions: string[] = [];
    const asking = await client(0, {}, "2026-07-28", (message) => {
      questions.push(message);
      return { action: "accept", content: { confirm: true } };
    });
    const result = await call(asking, "dlq_restart", { all: true, where: { responseStatus: ["5xx"] } });
    expect(questions).toHaveLength(1);
    expect(questions[0]).toMatch(
      /^Restart \d+ DLQ entries from the whole DLQ with status 5xx, with no flow control\?/,
    );
    expect(data(result).stopReason).toBe("done");
    expect(emulator.resumed.length).toBeGreaterThan(0);
    expect(emulator.resumed.every((r) => r.action === "restart")).toBe(true);
  });

  it("a 2025-11-25 client gets the token: a stateless server cannot wait for its answer", async () => {
    emulator.reset({ entries: 150, seed: 9, now: FIXED_NOW });
    const questions: string[] = [];
    const asking = await client(0, {}, "2025-11-25", (message) => {
      questions.push(message);
      return { action: "accept", content: { confirm: true } };
    });
    const result = await call(asking, "dlq_delete", { all: true });
    expect(questions).toEqual([]);
    expect(data(result).stopReason).toBe("unconfirmed");
    expect(emulator.store.size).toBe(150);
  });
});

describe("what must not get past the confirmation", () => {
  // Matches only the oldest entries, at the end of a DLQ listed newest first and longer than the
  // count reads, so the count finds none.
  const late: DlqMessage[] = Array.from({ length: 2_160 }, (_, index) => ({
    dlqId: `dlq_gate${String(index).padStart(5, "0")}`,
    workflowRunId: `wfr_gate${index}`,
    workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
    createdAt: FIXED_NOW - 3_000_000 + index,
    responseStatus: 422,
    responseBody: index < 60 ? '{"message":"order already fulfilled"}' : '{"message":"missing field"}',
  }));
  const fixture = useFixture({ messages: late }, { confirm: true });

  it("a count that found nothing before its bound still asks, and says what its preview found", async () => {
    const result = await fixture.call("dlq_delete", {
      all: true,
      where: { responseBodyContains: "fulfilled" },
    });
    expect(data(result).stopReason).toBe("unconfirmed");
    // The count stopped at its bound having found none; the preview read on and found all 60: the
    // question says 60, as the preview beside it does.
    expect(textOf(result)).toMatch(
      /^Delete 60 DLQ entries from the whole DLQ with body containing "fulfilled"\?/,
    );
    expect(data(result).preview).toMatchObject({ matched: 60, matchedIsLowerBound: false });
    expect(fixture.emulator.requests.filter(CHANGES)).toEqual([]);
    expect(fixture.emulator.store.size).toBe(2_160);
  });

  it("a cursor no call returned cannot skip the question", async () => {
    const selection = fingerprint(["dlq_delete", "all", null]);
    for (const cursor of [
      encodeCursor({ tool: "dlq_delete", selection }),
      sealedCursor({ tool: "dlq_delete", selection }, "another-deployments-token"),
    ]) {
      const result = await fixture.call("dlq_delete", { all: true, cursor });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/not returned by this server/);
    }
    expect(fixture.emulator.requests).toEqual([]);
    expect(fixture.emulator.store.size).toBe(2_160);
  });

  it("a yes covers what was in the DLQ when the user was asked, and is spent once", async () => {
    const args = { all: true, where: { responseStatus: [422] }, count: 100 };
    const asked = await fixture.call("dlq_delete", args);
    const confirm = data(asked).confirm as string;
    const arrived = { ...(late[0] as DlqMessage), dlqId: "dlq_arrived_later", createdAt: Date.now() + 1_000 };
    fixture.emulator.store.load([arrived]);
    let cursor: string | undefined;
    let first = true;
    do {
      const result = await fixture.call("dlq_delete", { ...args, ...(first ? { confirm } : { cursor }) });
      first = false;
      expect((result.structuredContent as { deletedIds: string[] }).deletedIds).not.toContain(
        "dlq_arrived_later",
      );
      cursor = data(result).cursor;
    } while (cursor);
    expect(fixture.emulator.store.list().map((m) => m.dlqId)).toEqual(["dlq_arrived_later"]);
    const replayed = await fixture.call("dlq_delete", { ...args, confirm });
    expect(replayed.isError).toBe(true);
    expect(textOf(replayed)).toMatch(/already used: a yes covers one operation/);
    expect(fixture.emulator.store.size).toBe(1);
  });
});

describe("a 2025 session's question", () => {
  const fixture = useFixture(
    { entries: 150, seed: 9, now: FIXED_NOW },
    {
      confirm: true,
      era: "2025-11-25",
      args: ["--deadline", "1"],
      asks: async () => {
        // The user takes longer than the whole call deadline to say yes.
        await new Promise((resolve) => setTimeout(resolve, 3_500));
        return { action: "accept", content: { confirm: true } };
      },
    },
  );

  it("does not spend the call's deadline while the user thinks", async () => {
    const result = await fixture.call("dlq_delete", { all: true });
    expect(data(result)).toMatchObject({ stopReason: "done", deleted: 150 });
  });
});
