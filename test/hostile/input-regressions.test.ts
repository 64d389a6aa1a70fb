/**
 * The nastiest inputs the property runs produced, pinned with the exact answer they must get.
 * Cases under "fixed defects stay fixed" are inputs the tools once answered badly; each comment
 * says how, and the test asserts the answer they give now.
 */
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LIMITS } from "../../src/args/limits.js";
import { fingerprint } from "../../src/engine/cursor.js";
import { TOOLS, type ToolName } from "../../src/tools/index.js";
import { optionsFingerprint } from "../../src/tools/shared/plan.js";
import { seededMessages } from "../support/data.js";
import { type Fixture, sealedCursor, startFixture } from "../support/harness.js";
import { type CallTool, type InMemoryFixture, startInMemory } from "./input-support.js";
import { brokenRules, textOf } from "./oracle.js";
import { type Args, idList, nest, own } from "./values.js";

const ids = seededMessages().map((message) => message.dlqId);
const VALIDATION_PREFIX = /^Input validation error: Invalid arguments for tool dlq_\w+: /;

interface Answer {
  isError: boolean;
  text: string;
  requests: number;
  ms: number;
}

function answerer(call: () => CallTool, emulator: () => InMemoryFixture["emulator"]) {
  return async (tool: ToolName, args: Args): Promise<Answer> => {
    emulator().clearRequests();
    const started = performance.now();
    const result = await call()(tool, args);
    return {
      isError: result.isError === true,
      text: textOf(result),
      requests: emulator().requests.length,
      ms: performance.now() - started,
    };
  };
}

/** A fresh in-memory server for the describe block, reset before each test, and a way to ask it. */
function inMemoryAsker() {
  let fixture: InMemoryFixture;
  beforeAll(async () => {
    fixture = await startInMemory();
  });
  afterAll(() => fixture?.close());
  beforeEach(() => {
    fixture.emulator.reset();
    fixture.emulator.clearRequests();
  });
  return {
    ask: answerer(
      () => fixture.call,
      () => fixture.emulator,
    ),
    fixture: () => fixture,
  };
}

/** Arguments as a client would write them in JSON, prototype names included as plain members. */
const json = (text: string): Args => JSON.parse(text) as Args;

describe("hostile input regressions, in memory", () => {
  const { ask, fixture } = inMemoryAsker();

  describe("largest payloads", () => {
    it("20,000 ids: one message naming the limit, no request", async () => {
      const answer = await ask("dlq_resume", { dlqIds: idList(20_000, "plain") });
      expect(answer.isError).toBe(true);
      expect(answer.text).toMatch(VALIDATION_PREFIX);
      expect(answer.text).toContain(
        "dlqIds takes at most 5000 ids per call: split the list, or select them with filter. at dlqIds",
      );
      expect(answer.text.length).toBeLessThan(400);
      expect(answer.requests).toBe(0);
    });

    it("20,000 ids of every wrong kind: still one message, since the length is checked first", async () => {
      const answer = await ask("dlq_resume", { dlqIds: idList(20_000, "mixed") });
      expect(answer.text.split("\n")).toHaveLength(1);
      expect(answer.text).toContain("dlqIds takes at most 5000 ids per call");
      expect(answer.requests).toBe(0);
    });

    it("a 300 KB label: the limit, not the value", async () => {
      const answer = await ask("dlq_list", { filter: { label: "\u{1f600}".repeat(150_000) } });
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain("filter.label is longer than 2048 characters. at filter.label");
      expect(answer.text).not.toContain("\u{1f600}");
      expect(answer.requests).toBe(0);
    });

    it("a 300 KB cursor on dlq_resume_all: refused without echoing it", async () => {
      const answer = await ask("dlq_resume_all", { cursor: "c".repeat(300_000) });
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain("at cursor");
      expect(answer.text.length).toBeLessThan(400);
      expect(answer.requests).toBe(0);
    });

    it("a 100 KB date string: quoted at most 64 characters", async () => {
      const answer = await ask("dlq_resume", { filter: { fromDate: "2026-11-28".repeat(10_000) } });
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain("at filter.fromDate");
      expect(answer.text.length).toBeLessThan(400);
      expect(answer.requests).toBe(0);
    });

    it("nesting 5,000 levels deep in filter: a short refusal", async () => {
      const answer = await ask("dlq_list", { filter: own({}, "__proto__", nest(5_000, "mixed")) });
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain(
        "Unknown filter field(s) __proto__. Known fields: workflowUrl, workflowRunId, workflowCreatedAt",
      );
      expect(answer.text.length).toBeLessThan(400);
      expect(answer.requests).toBe(0);
    });
  });

  describe("numbers that JSON cannot carry", () => {
    it.each([
      [Number.NaN, "count must be a whole number from 1 to 100. at count"],
      [Number.POSITIVE_INFINITY, "count must be a whole number from 1 to 100. at count"],
      [-0, "count must be at least 1. at count"],
      [
        1e308,
        "count can be at most 100 per request; to go further raise maxPages, or continue with the cursor a result returns. at count",
      ],
    ])("count %s is refused by name", async (count, message) => {
      const answer = await ask("dlq_resume_all", { count });
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain(message);
      expect(answer.requests).toBe(0);
    });

    it("retries -0 is zero retries, and is sent as 0", async () => {
      const answer = await ask("dlq_resume", { dlqIds: [ids[0]], retries: -0 });
      expect(answer.isError).toBe(false);
      expect(fixture().emulator.resumed[0]).toMatchObject({ dlqId: ids[0], retries: 0 });
    });
  });

  // Refused by the SDK's request schema before any tool code runs. It answers -32603 with the
  // zod issues as text where -32602 would be more precise; that is the SDK's to change.
  describe("top-level arguments that are not an object", () => {
    it.each([[[]], ["dlq_a"], [null], [5]])(
      "%j: a JSON-RPC error, and the server carries on",
      async (value) => {
        const error = await fixture()
          .client.callTool({ name: "dlq_resume", arguments: value as unknown as Args })
          .then(
            () => undefined,
            (caught: unknown) => caught,
          );
        expect(error).toBeInstanceOf(McpError);
        expect([ErrorCode.InvalidParams, ErrorCode.InternalError]).toContain((error as McpError).code);
        expect(fixture().emulator.requests).toHaveLength(0);
        expect((await fixture().client.listTools()).tools).toHaveLength(TOOLS.length);
      },
    );
  });
});

describe.each(["in memory", "stdio"] as const)("prototype keys, %s", (transport) => {
  let memory: InMemoryFixture | undefined;
  let stdio: Fixture | undefined;
  const ask = answerer(
    () => (memory ? memory.call : (tool, args) => (stdio as Fixture).call(tool, args)),
    () => (memory ?? (stdio as Fixture)).emulator,
  );

  beforeAll(async () => {
    if (transport === "in memory") memory = await startInMemory();
    else stdio = await startFixture();
  });
  afterAll(async () => {
    await memory?.close();
    await stdio?.close();
  });

  it.each([
    [
      "__proto__ inside filter",
      "dlq_list",
      '{"filter": {"__proto__": {"label": "x"}, "label": "payments"}}',
      "Unknown filter field(s) __proto__. Known fields:",
    ],
    [
      "constructor inside filter",
      "dlq_resume",
      '{"filter": {"constructor": {"prototype": {"polluted": true}}, "label": "payments"}}',
      "Unknown filter field(s) constructor. Known fields:",
    ],
    [
      "prototype inside filter",
      "dlq_list",
      '{"filter": {"prototype": 1}}',
      "Unknown filter field(s) prototype. Known fields:",
    ],
    [
      "__proto__ inside flowControl",
      "dlq_resume_all",
      '{"flowControl": {"key": "k", "rate": 1, "__proto__": {"rate": 5}}}',
      "Unknown flowControl field(s) __proto__; use key, parallelism, rate and period.",
    ],
    [
      "constructor at the top level",
      "dlq_resume_all",
      '{"constructor": {"prototype": {"polluted": true}}}',
      "Unknown argument(s) constructor for dlq_resume_all. It takes where, count, cursor, flowControl, retries, label, maxPages, dryRun, confirm.",
    ],
  ] as const)("%s: refused by name, no request", async (_name, tool, text, message) => {
    const answer = await ask(tool, json(text));
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(VALIDATION_PREFIX);
    expect(answer.text).toContain(message);
    expect(answer.requests).toBe(0);
    expect(({} as Args).polluted).toBeUndefined();
  });

  // The SDK's request schema drops a top-level "__proto__" member before the tool sees the
  // arguments, so it cannot be reported; what matters is that it never becomes a prototype.
  it("__proto__ at the top level is dropped, never inherited from", async () => {
    const answer = await ask("dlq_resume", json('{"__proto__": {"dlqIds": ["dlq_x"], "polluted": true}}'));
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain("Pass dlqIds (ids from dlq_list) or filter");
    expect(answer.requests).toBe(0);
    expect(({} as Args).polluted).toBeUndefined();
  });

  it("__proto__ at the top level next to valid arguments: the call runs on the valid ones only", async () => {
    const answer = await ask("dlq_list", json('{"__proto__": {"includeHeaders": true}, "count": 1}'));
    expect(answer.isError).toBe(false);
    expect(answer.text).toContain("Listed 1 DLQ message in 1 request.");
    expect(answer.text).not.toContain('"header"');
    expect(answer.requests).toBe(1);
  });
});

describe("fixed defects stay fixed", () => {
  const { ask } = inMemoryAsker();

  // Once: the id passes the schema; the POST carries it as U+FFFD (URLSearchParams), the 404
  // follow-up GET throws URIError from encodeURIComponent, which the retry loop treats as
  // transient, so the call spends about 1.5 s retrying and answers "URIError: URI malformed".
  it("an id with a lone surrogate is refused by the schema, before any request", async () => {
    const answer = await ask("dlq_resume", { dlqIds: [ids[0], "dlq_\ud800"] });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(VALIDATION_PREFIX);
    expect(answer.text).toMatch(/DLQ id/);
    expect(answer.requests).toBe(0);
    expect(answer.ms).toBeLessThan(200);
  });

  // Once: the dry run never reaches QStash, yet retries the URIError for about 1.5 s and answers
  // "Dry run failed: URIError: URI malformed Nothing was resumed."
  it("a dry run over an id with a lone surrogate does not retry a local encoding error", async () => {
    const answer = await ask("dlq_resume", { dlqIds: ["\udc00dlq"], dryRun: true });
    expect(answer.text).not.toContain("URIError");
    expect(answer.ms).toBeLessThan(200);
  });

  // Once: the label is sent as U+FFFD, a filter the caller did not write.
  it("a filter value with a lone surrogate is refused before any request", async () => {
    const answer = await ask("dlq_resume", { filter: { label: "payments\ud800" } });
    expect(answer.isError).toBe(true);
    expect(answer.requests).toBe(0);
  });

  // Once: one line per bad id, 358,970 characters for 5,000 numbers.
  it("5,000 ids of the wrong type get a bounded error text", async () => {
    const answer = await ask("dlq_resume", { dlqIds: idList(LIMITS.dlqIdsPerCall, "number") });
    expect(answer.isError).toBe(true);
    expect(answer.requests).toBe(0);
    expect(answer.text.length).toBeLessThan(8_192);
  });

  // Once: the key is quoted in full, so the error text is as large as the key.
  it("a 100 KB unknown argument name is not echoed in full", async () => {
    const answer = await ask("dlq_list", own({}, "k".repeat(100_000), 1));
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain("Unknown argument(s)");
    expect(answer.text.length).toBeLessThan(2_048);
  });

  // Once: every name is listed, about 69 KB for 10,000 of them.
  it("10,000 unknown argument names get a bounded error text", async () => {
    const args: Args = {};
    for (let index = 0; index < 10_000; index++) args[`k${index}`] = index;
    const answer = await ask("dlq_resume_all", args);
    expect(answer.text).toContain("Unknown argument(s) k0, k1");
    expect(answer.text.length).toBeLessThan(2_048);
  });

  /** zod's own texts, which name neither the field nor the fix. */
  const GENERIC = /Invalid input|Too big|Too small|expected \w+, received/;

  // Each of these once got zod's generic text (shown after the arrow), or a text about a
  // different mistake; the fix should name the field and what to pass.
  it.each([
    ["a number as a label (→ Invalid input)", "dlq_list", { filter: { label: 5 } }, /filter\.label/, GENERIC],
    [
      "21 workflow URLs (→ Invalid input)",
      "dlq_list",
      { filter: { workflowUrl: Array.from({ length: 21 }, (_, i) => `u${i}`) } },
      /filter\.workflowUrl.*20/,
      GENERIC,
    ],
    ["a string as summary (→ expected boolean)", "dlq_list", { summary: "yes" }, /summary/, GENERIC],
    [
      "a 65-character date (→ Too big)",
      "dlq_list",
      { filter: { fromDate: "2".repeat(65) } },
      /fromDate.*(Unix milliseconds|ISO-8601)/,
      GENERIC,
    ],
    [
      "a 257-character flow-control key (→ key is required)",
      "dlq_resume_all",
      { flowControl: { key: "k".repeat(257), rate: 1 } },
      /flowControl\.key.*256/,
      /is required/,
    ],
    [
      "a rate over the maximum (→ whole number ≥ 1)",
      "dlq_resume_all",
      { flowControl: { key: "k", rate: 1_000_001 } },
      /flowControl\.rate.*(1000000|1,000,000|1 000 000)/,
      /whole number ≥ 1/,
    ],
    [
      "a negative numeric period (→ Too small)",
      "dlq_resume_all",
      { flowControl: { key: "k", rate: 1, period: -5 } },
      /flowControl\.period/,
      GENERIC,
    ],
    [
      "a 4,097-character cursor (→ must be the string a previous call returned)",
      "dlq_list",
      { cursor: "c".repeat(LIMITS.cursorLength + 1) },
      /cursor.*4096/,
      /must be the string/,
    ],
  ] as const)("%s names the field and the fix", async (_name, tool, args, names, misleads) => {
    const answer = await ask(tool, args as Args);
    expect(answer.isError).toBe(true);
    expect(answer.requests).toBe(0);
    expect(answer.text).toMatch(names);
    expect(answer.text).not.toMatch(misleads);
  });

  // Once: the schema admits 4 list fields × 20 values × 2,048 characters, a query of about
  // 160 KB; the server refuses the URL and the caller reads "QStash answered 431 to GET
  // /v2/workflows/dlq." with nothing about which argument to shorten.
  it("a filter too long to fit in a request is refused by name", async () => {
    const values = Array.from({ length: LIMITS.filterValues }, (_, index) => `${"x".repeat(2_000)}${index}`);
    const answer = await ask("dlq_list", { filter: { label: values, workflowUrl: values } });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/filter/);
    expect(answer.text).not.toMatch(/431/);
  });

  // Once: 5,000 lookups, one per id, whatever maxPages says; the description promises at most
  // maxPages requests per call, and this call would resume at most 50 of the ids.
  it("a dry run over 5,000 ids with maxPages 1 stays within one page of lookups", async () => {
    const answer = await ask("dlq_resume", {
      dlqIds: Array.from({ length: LIMITS.dlqIdsPerCall }, (_, index) => `dlq_${index}`),
      dryRun: true,
      maxPages: 1,
    });
    expect(answer.requests).toBeLessThanOrEqual(50);
  });

  // Once: the preview lists from the start of the DLQ and never sends the cursor, so a cursor
  // the server would refuse goes unnoticed and the preview counts entries the call would skip.
  it("a dry run refuses a resume cursor instead of previewing something else", async () => {
    const real = await ask("dlq_resume_all", { cursor: "not-a-cursor", maxPages: 1 });
    expect(real.isError).toBe(true);
    expect(real.text).toMatch(/not returned by this server/);
    expect(real.requests).toBe(0);
    const resumeCursor = sealedCursor({
      tool: "dlq_resume_all",
      selection: fingerprint(["dlq_resume_all", "all", null]),
      // The options of a call that passes none.
      options: optionsFingerprint({}),
      next: "a-cursor-qstash-issued",
      until: Date.now(),
    });
    const preview = await ask("dlq_resume_all", { cursor: resumeCursor, maxPages: 1, dryRun: true });
    expect(preview.isError).toBe(true);
    expect(preview.text).toMatch(/call the dry run without cursor/);
    expect(preview.requests).toBe(0);
  });

  // Once: after the unknown-field message came a second one, "filter is empty", which is wrong
  // (the caller gave a field, only not a known one) and sends the reader the wrong way.
  it.each([
    ["dlq_list", { filter: { labels: "payments" } }],
    ["dlq_resume", { filter: { status: 500 } }],
    ["dlq_resume", { filter: { __proto__x: 1, workflowURL: "https://a.example" } }],
  ] as const)(
    "%s with only an unknown filter field gets only the unknown-field message",
    async (tool, args) => {
      const answer = await ask(tool, args as Args);
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain("Unknown filter field(s)");
      expect(answer.text).not.toContain("filter is empty");
      expect(answer.requests).toBe(0);
    },
  );

  it("an empty filter is still called empty", async () => {
    const answer = await ask("dlq_list", { filter: {} });
    expect(answer.text).toContain("filter is empty: give at least one field");
  });

  // Once: "count can be at most 100." and nothing about how to get more than 100.
  it.each([
    ["dlq_list", { count: 500 }],
    ["dlq_resume_all", { count: 101 }],
    ["dlq_resume", { filter: { label: "payments" }, count: 1000 }],
  ] as const)("%s with count over the maximum says how to go further", async (tool, args) => {
    const answer = await ask(tool, args as Args);
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain(
      "count can be at most 100 per request; to go further raise maxPages, or continue with the cursor a result returns.",
    );
    expect(answer.requests).toBe(0);
  });

  // Once: "0s" and "99999999d" were sent, and a numeric period could be up to a year; QStash
  // takes a period from one second to one week.
  it.each([
    ["0s", "at least 1 second"],
    ["0d", "at least 1 second"],
    ["99999999d", "at most a week"],
    ["8d", "at most a week"],
    ["169h", "at most a week"],
    ["10081m", "at most a week"],
    ["604801s", "at most a week"],
    ["99999999999999999999999s", "at most a week"],
    [604_801, "at most a week"],
    [31_536_000, "at most a week"],
    [0, "at least 1 second"],
  ] as const)("flowControl.period %j is refused: %s", async (period, says) => {
    const answer = await ask("dlq_resume_all", { flowControl: { key: "k", rate: 1, period } });
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain(
      `flowControl.period must be ${says}`.replace("must be at most", "can be at most"),
    );
    expect(answer.requests).toBe(0);
  });

  it.each(["1s", "7d", "168h", "10080m", "604800s", 1, 604_800])(
    "flowControl.period %j, within a week, is sent",
    async (period) => {
      const answer = await ask("dlq_resume_all", { flowControl: { key: "k", rate: 1, period }, maxPages: 1 });
      expect(answer.isError).toBe(false);
      expect(answer.requests).toBeGreaterThan(0);
    },
  );

  // Once: sent as is; QStash splits a filter value at commas, so "a,b" selected a or b, and a
  // URL with a comma selected two URLs that are not it.
  it.each([
    [
      "label",
      "payments,checkout",
      "filter.label",
      /pass a list such as \["a", "b"\] instead of a comma-joined string/,
    ],
    ["label", ["payments", "checkout,emails"], "filter.label", /pass a list/],
    ["callerIp", "10.0.0.1,10.0.0.2", "filter.callerIp", /pass a list/],
    ["flowControlKey", ["a", "b,c"], "filter.flowControlKey", /pass a list/],
    [
      "workflowUrl",
      "https://app.example/api/wf?a=1,2",
      "filter.workflowUrl",
      /a URL that contains a comma cannot be filtered on/,
    ],
    [
      "workflowUrl",
      ["https://a.example/wf", "https://b.example/wf,https://c.example/wf"],
      "filter.workflowUrl",
      /pass a list such as/,
    ],
  ] as const)("filter.%s %j, with a comma, is refused with the fix", async (field, value, name, fix) => {
    for (const tool of ["dlq_list", "dlq_resume"] as const) {
      const answer = await ask(tool, { filter: { [field]: value } });
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain(`${name} "`);
      expect(answer.text).toContain("contains a comma, which QStash reads as a separator between values");
      expect(answer.text).toMatch(fix);
      expect(answer.requests).toBe(0);
    }
  });

  it("the property suite's own rules flag each of these, apart from the schema", () => {
    expect(brokenRules({ filter: { label: "a,b" } })).toHaveLength(1);
    expect(
      brokenRules({ filter: { workflowUrl: ["https://a.example", "https://b.example/x,y"] } }),
    ).toHaveLength(1);
    expect(brokenRules({ flowControl: { key: "k", rate: 1, period: "0s" } })).toHaveLength(1);
    expect(brokenRules({ flowControl: { key: "k", rate: 1, period: 604_801 } })).toHaveLength(1);
    expect(brokenRules({ count: 101 })).toHaveLength(1);
    expect(
      brokenRules({ filter: { label: ["a", "b"] }, flowControl: { key: "k", period: "7d" }, count: 100 }),
    ).toEqual([]);
  });

  it("a list of values without commas is still sent, one value per parameter", async () => {
    const answer = await ask("dlq_list", { filter: { label: ["payments", "checkout"] } });
    expect(answer.isError).toBe(false);
    expect(answer.requests).toBe(1);
  });

  // Once: V8 rolls 2026-02-30 over to 2 March and the filter uses that.
  it("an impossible calendar date is refused", async () => {
    const answer = await ask("dlq_list", { filter: { fromDate: "2026-02-30" } });
    expect(answer.isError).toBe(true);
    expect(answer.requests).toBe(0);
  });
});
