/**
 * With default settings every call answers well inside the 60 s after which MCP clients give up
 * (the SDK's default request timeout, Claude Desktop), even when QStash stops answering.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXED_NOW } from "../support/data.js";
import { json, scriptedServer } from "../support/engine.js";
import { type Connected, connectServer, TEST_TOKEN } from "../support/harness.js";

/** The bound the defaults promise: 25 s deadline, 2 s cut-off, and room to spare. */
const ANSWER_WITHIN_MS = 45_000;

describe("the default deadline, with QStash hanging", () => {
  let qstash: Awaited<ReturnType<typeof scriptedServer>>;
  let server: Connected;
  beforeAll(async () => {
    qstash = await scriptedServer(({ method, query }, res) => {
      // The first listing answers (a resume reads QStash's clock first); everything else hangs.
      if (method === "GET" && query.get("count") === "1") {
        res.setHeader("date", new Date().toUTCString());
        return json(res, 200, { messages: [{ dlqId: "dlq_hang", createdAt: FIXED_NOW }] });
      }
    });
    server = await connectServer({ env: { QSTASH_URL: qstash.url, QSTASH_TOKEN: TEST_TOKEN } });
  });
  afterAll(async () => {
    await server?.close();
    await qstash?.close();
  });

  it(
    "answers a resume and a listing in time, saying what may have happened and how to go on",
    async () => {
      const timed = async (name: string, args: Record<string, unknown>) => {
        const started = Date.now();
        const result = (await server.client.callTool({ name, arguments: args })) as CallToolResult;
        server.results.push(result);
        return { result, ms: Date.now() - started };
      };
      const [resume, list] = await Promise.all([
        timed("dlq_resume_all", {}),
        timed("dlq_list", { count: 10 }),
      ]);
      expect(resume.ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(list.ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(resume.result.structuredContent).toMatchObject({
        stopReason: "deadline",
        unreportedPossible: true,
        // The hanging request was sent with the default count, 100: it may have resumed that many.
        unreportedAtMost: 100,
      });
      expect((resume.result.structuredContent as { cursor?: string }).cursor).toBeTruthy();
      expect(list.result.structuredContent).toMatchObject({ stopReason: "deadline", returned: 0 });
      expect((list.result.structuredContent as { cursor?: string }).cursor).toBeTruthy();
    },
    ANSWER_WITHIN_MS + 15_000,
  );
});
