/**
 * Published answers replayed: every answer Upstash has shown in its REST pages and OpenAPI, and
 * every shape the official clients' own tests hold QStash to, kept one JSON file each in
 * test/fixtures/published/ with where it came from. Each goes through the parser this server
 * reads that answer with, and must give the values a user would check; where the emulator serves
 * the same request, its answer must have the published shape. A new page or client release is
 * one more file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  parseCallbackBody,
  parseDeleteBody,
  parseListBody,
  parseMessageBody,
  parseResumeBody,
} from "../../src/qstash/parse.js";
import { parseFlowKey, parseFlowKeys } from "../../src/qstash/parse-flow.js";
import { parseLogsBody } from "../../src/qstash/parse-logs.js";
import { call, TOKEN } from "../emulator/helpers.js";

const DIR = new URL("../fixtures/published/", import.meta.url);
const WHERE = "a published answer";

/** How this server reads each kind of answer, as the values a user would check. */
const READ = {
  list: (body: unknown) => {
    const page = parseListBody(body, WHERE);
    return { cursor: page.cursor ?? null, messages: page.messages };
  },
  message: (body: unknown) => parseMessageBody(body, WHERE),
  /** A bulk resume or restart. */
  runs: (body: unknown) => {
    const page = parseResumeBody(body, WHERE);
    return {
      cursor: page.cursor ?? null,
      workflowRuns: page.workflowRuns,
      unreadableRuns: page.unreadableRuns,
      problem: page.problem?.message ?? null,
    };
  },
  /** One run: a single resume or restart, or a failure-callback retry. */
  run: (body: unknown) => parseCallbackBody(body, WHERE),
  delete: (body: unknown) => {
    const page = parseDeleteBody(body, WHERE);
    return { deleted: page.deleted, cursor: page.cursor ?? null };
  },
  flowKey: (body: unknown) => parseFlowKey(body, WHERE),
  flowKeys: (body: unknown) => parseFlowKeys(body, WHERE),
  logs: (body: unknown) => {
    const page = parseLogsBody(body, WHERE);
    return { cursor: page.cursor ?? null, runs: page.runs };
  },
} as const;

interface Fixture {
  /** Where the answer was published: repository, path and commit, or the page's address. */
  source: string;
  answer: keyof typeof READ;
  /** The request it answers, when the emulator serves it in the published form. */
  request?: string;
  body: unknown;
  /** What reading it must give (matched as a subset; null: absent). */
  expect: unknown;
}

const files = readdirSync(DIR)
  .filter((name) => name.endsWith(".json"))
  .sort();
const fixture = (file: string): Fixture => JSON.parse(readFileSync(new URL(file, DIR), "utf8")) as Fixture;

describe("published answers", () => {
  it("are each a source, an answer this server reads, a body and what reading it gives", () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const { source, answer, body, expect: expected } = fixture(file);
      expect(source, file).toMatch(/\S{10}/);
      expect(Object.keys(READ), file).toContain(answer);
      expect(body, file).toBeDefined();
      expect(expected, file).toBeDefined();
    }
    // Every kind of answer has at least one published example.
    expect(new Set(files.map((file) => fixture(file).answer))).toEqual(new Set(Object.keys(READ)));
  });

  it.each(files)("%s parses with the values a user would check", (file) => {
    const { answer, body, expect: expected } = fixture(file);
    expect(READ[answer](body)).toMatchObject(expected as object);
  });
});

/** The JSON type of a value, arrays and null told apart. */
function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/**
 * Whether the emulator's answer has the published shape: the same JSON type everywhere both have
 * a field, and every top-level field the published answer has. Values differ, and so may the
 * fields of one entry (an entry without a failure callback has none).
 */
function expectShape(published: unknown, emulated: unknown, path: string, top: boolean): void {
  expect(kind(emulated), path).toBe(kind(published));
  if (Array.isArray(published) && Array.isArray(emulated)) {
    if (published.length > 0 && emulated.length > 0)
      expectShape(published[0], emulated[0], `${path}[0]`, false);
    return;
  }
  if (kind(published) !== "object") return;
  const theirs = published as Record<string, unknown>;
  const ours = emulated as Record<string, unknown>;
  for (const key of Object.keys(theirs)) {
    if (top) expect(Object.keys(ours), `${path} lacks ${key}`).toContain(key);
    if (key in ours) expectShape(theirs[key], ours[key], `${path}.${key}`, false);
  }
}

describe("the emulator's answers to the same requests", () => {
  let emu: Emulator;
  beforeAll(async () => {
    // The tidy answers: the published examples show every field.
    emu = await startEmulator({ token: TOKEN, entries: 40, seed: 7, quirks: { omitEmpty: false } });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  const served = files.filter((file) => fixture(file).request !== undefined);

  it.each(served)("%s: the emulator answers in the published shape", async (file) => {
    const { request, body, answer: kindOfAnswer } = fixture(file);
    const [method = "GET", target = ""] = (request as string).split(" ");
    const entries = emu.store.list();
    const failedCallback = entries.find((m) => m.failureCallbackInfo?.state === "CALLBACK_FAIL");
    emu.store.flowControl.observe("fixture-key", "parallelism=2, rate=5, period=1m");
    const dlqId = (target.includes("/callback/") ? failedCallback : entries[0])?.dlqId ?? "";
    const url = new URL(
      target.replace("{dlqId}", dlqId).replace("{flowControlKey}", "fixture-key"),
      "http://published.invalid",
    );
    const path = url.pathname;
    const query = [...url.searchParams] as [string, string][];
    // A listing or bulk action by count, so that its answer carries the cursor a published one shows.
    if (/^\/v2\/(workflows\/dlq(\/resume|\/restart)?|dlq)$/.test(path)) query.push(["count", "2"]);
    const answer = await call(emu, method, path, { query });
    expect(answer.status, answer.text).toBe(200);
    // One entry's fields vary from entry to entry, so an entry on its own is held to types only.
    expectShape(body, answer.json, file, kindOfAnswer !== "message");
  });
});
