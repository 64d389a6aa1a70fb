import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../src/wire/types.js";
import { FIXED_NOW } from "../support/data.js";
import { resumeData, textOf, useFixture } from "../support/harness.js";

/** 60 checkout and 40 payments entries, interleaved. */
const MESSAGES: DlqMessage[] = Array.from({ length: 100 }, (_, index) => ({
  dlqId: `dlq_cursor${String(index).padStart(3, "0")}`,
  workflowRunId: `wfr_cursor${index}`,
  workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
  createdAt: FIXED_NOW - 100_000 + index * 100,
  label: index % 5 < 3 ? "checkout" : "payments",
  responseStatus: 503,
}));
const PAYMENTS = MESSAGES.filter((message) => message.label === "payments").map((message) => message.dlqId);

describe("cursors belong to the tool and selection that returned them", () => {
  const fixture = useFixture({ messages: MESSAGES });

  async function refused(tool: string, args: Record<string, unknown>, message: RegExp) {
    const before = fixture.emulator.requests.length;
    const resumedBefore = fixture.emulator.resumed.length;
    const result = await fixture.call(tool, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests.length, "a refused cursor sent a request").toBe(before);
    expect(fixture.emulator.resumed).toHaveLength(resumedBefore);
  }

  it("refuses a checkout cursor in a payments call, and the payments call still resumes every payments entry", async () => {
    const checkout = resumeData(
      await fixture.call("dlq_resume", { filter: { label: "checkout" }, count: 10, maxPages: 1 }),
    );
    expect(checkout.cursor).toBeTruthy();
    expect(fixture.emulator.resumed).toHaveLength(10);
    await refused(
      "dlq_resume",
      { filter: { label: "payments" }, cursor: checkout.cursor },
      /different filter/,
    );
    const payments = resumeData(
      await fixture.call("dlq_resume", { filter: { label: "payments" }, maxPages: 10 }),
    );
    expect(payments).toMatchObject({ stopReason: "done", resumed: PAYMENTS.length });
    expect(
      fixture.emulator.resumed
        .slice(10)
        .map((record) => record.dlqId)
        .sort(),
    ).toEqual([...PAYMENTS].sort());
  });

  it("treats the same filter written differently as the same selection", async () => {
    const first = resumeData(
      await fixture.call("dlq_resume", {
        filter: { label: ["payments"], workflowUrl: MESSAGES[0]?.workflowUrl },
        count: 10,
        maxPages: 1,
      }),
    );
    const rest = resumeData(
      await fixture.call("dlq_resume", {
        filter: { workflowUrl: [MESSAGES[0]?.workflowUrl], label: "payments" },
        count: 10,
        maxPages: 10,
        cursor: first.cursor,
      }),
    );
    expect(rest.stopReason).toBe("done");
    expect(first.resumed + rest.resumed).toBe(PAYMENTS.length);
  });

  it("refuses a list cursor in a resume, and a resume cursor in a list", async () => {
    const listed = await fixture.call("dlq_list", { count: 5 });
    const listCursor = (listed.structuredContent as { cursor: string }).cursor;
    expect(listCursor).toBeTruthy();
    await refused("dlq_resume_all", { cursor: listCursor }, /returned by dlq_list/);

    const resumed = resumeData(await fixture.call("dlq_resume_all", { count: 5, maxPages: 1 }));
    await refused("dlq_list", { cursor: resumed.cursor }, /returned by dlq_resume_all/);
    await refused(
      "dlq_resume",
      { filter: { label: "payments" }, cursor: resumed.cursor },
      /returned by dlq_resume_all/,
    );
  });

  it("refuses a cursor from another id list", async () => {
    const ids = MESSAGES.slice(0, 80).map((message) => message.dlqId);
    const first = resumeData(await fixture.call("dlq_resume", { dlqIds: ids, maxPages: 1 }));
    expect(first.cursor).toBeTruthy();
    await refused(
      "dlq_resume",
      { dlqIds: [...ids].reverse(), cursor: first.cursor },
      /different dlqIds list/,
    );
    await refused("dlq_resume", { filter: { label: "payments" }, cursor: first.cursor }, /different filter/);
  });

  it.each(["garbage", "wdlq1.bm90LWpzb24", "wdlq1.eyJ0IjoxfQ", `wdlq1.${"A".repeat(3000)}`])(
    "refuses a cursor no call returned (%s), naming the fix",
    async (cursor) => {
      await refused("dlq_resume_all", { cursor }, /not returned by this server.*leave it out/);
      await refused("dlq_list", { cursor }, /not returned by this server/);
    },
  );
});
