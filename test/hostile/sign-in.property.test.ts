/**
 * Sign-in's two promises as properties, against the built server over HTTP, a real OpenID
 * provider and the emulator: whatever a read-only caller sends to whichever tool, nothing in the
 * DLQ changes; and whatever a caller puts into their arguments, their own access token in any
 * encoding among it, none of it comes back, nor reaches the journal, the log or QStash.
 * Set SIGN_IN_FC_SEED to replay the seed a failure reported; CI runs a fixed seed.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { TOOLS, type ToolName } from "../../src/tools/index.js";
import { replaySeed, SEED_OPTIONS, seededMessages } from "../support/data.js";
import { leakForms, TEST_TOKEN } from "../support/harness.js";
import type { HttpServerProcess } from "../support/http-server.js";
import {
  postToolCall,
  READ,
  startProvider,
  startSignedInServer,
  type TestProvider,
  WRITE,
} from "../support/oidc.js";
import { callArbitrary } from "./calls.js";
import { type Args, own } from "./values.js";

const RUNS = 150;
const seed = replaySeed("SIGN_IN_FC_SEED");
const CHANGING = new Set(TOOLS.filter((tool) => !tool.annotations.readOnlyHint).map((tool) => tool.name));

let idp: TestProvider;
let emulator: Emulator;
let server: HttpServerProcess;
let journalDir: string;
let readOnly: string;
let readWrite: string;
const seeded = seededMessages();
const seeds = { dlqIds: seeded.map((message) => message.dlqId), now: SEED_OPTIONS.now };

beforeAll(async () => {
  idp = await startProvider();
  emulator = await startEmulator({ token: TEST_TOKEN, ...SEED_OPTIONS });
  journalDir = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-sign-in-property-"));
  let resource: string;
  ({ server, resource } = await startSignedInServer(idp, ["--journal", join(journalDir, "journal.jsonl")], {
    QSTASH_URL: emulator.url,
    QSTASH_TOKEN: TEST_TOKEN,
  }));
  readOnly = await idp.clientToken(resource, READ);
  readWrite = await idp.clientToken(resource, `${READ} ${WRITE}`);
});

afterAll(async () => {
  await server?.stop();
  await emulator?.close();
  await idp?.close();
  rmSync(journalDir, { recursive: true, force: true });
});

function call(token: string, name: ToolName, args: Args) {
  return postToolCall(server.url, token, name, args);
}

const anyCall = fc
  .constantFrom(...TOOLS.map((tool) => tool.name))
  .chain((tool) => callArbitrary(tool, seeds).map((generated) => ({ tool, args: generated.args })));

describe("a caller who may only read", () => {
  it("changes nothing, whatever the tool and the arguments", async () => {
    await fc.assert(
      fc.asyncProperty(anyCall, async ({ tool, args }) => {
        const size = emulator.store.size;
        const before = emulator.requests.length;
        const answered = await call(readOnly, tool, args);
        if (CHANGING.has(tool)) {
          expect(answered.status, tool).toBe(403);
          expect(answered.headers).toMatch(/error="insufficient_scope"/);
        } else {
          expect(answered.status, tool).toBe(200);
        }
        expect(emulator.requests.slice(before).filter((request) => request.method !== "GET")).toEqual([]);
        expect(emulator.store.size).toBe(size);
      }),
      { numRuns: RUNS, ...(seed === undefined ? {} : { seed }) },
    );
  });
});

/** The caller's own token, as an agent might paste it: whole, encoded, or cut to its signature. */
function formsOf(token: string): string[] {
  const signature = token.split(".")[2] ?? token;
  return [
    token,
    Buffer.from(token).toString("base64"),
    encodeURIComponent(token),
    JSON.stringify(token),
    signature,
    `Bearer ${token}`,
  ];
}

/** Puts `value` where a tool reads text: a top-level slot, the filter, an id list, or a key. */
function withValue(args: Args, slot: string, value: string): Args {
  const placed = { ...args };
  if (slot === "filter.label") {
    const filter = typeof placed.filter === "object" && placed.filter !== null ? { ...placed.filter } : {};
    return own(placed, "filter", own(filter, "label", value));
  }
  if (slot === "dlqIds") return own(placed, "dlqIds", [value]);
  if (slot === "key") return own(placed, value, 1);
  return own(placed, slot, value);
}

describe("a caller's own token in their arguments", () => {
  it("never comes back in any form, and never reaches the journal, the log or QStash", async () => {
    const slots = ["cursor", "filter.label", "dlqIds", "key", "workflowRunId", "flowControl"];
    const leaks = leakForms(readWrite);
    await fc.assert(
      fc.asyncProperty(
        anyCall,
        fc.constantFrom(...slots),
        fc.constantFrom(...formsOf(readWrite)),
        async ({ tool, args }, slot, form) => {
          // Few entries is enough to see a leak, and keeps the DLQ from emptying under deletes.
          if (emulator.store.size < 50) emulator.store.load(seeded);
          const answered = await call(readWrite, tool, withValue(args, slot, form));
          for (const leak of leaks) {
            expect(answered.body).not.toContain(leak);
            expect(answered.headers).not.toContain(leak);
          }
          expect(answered.body).not.toContain(readWrite.split(".")[2]);
        },
      ),
      { numRuns: RUNS, ...(seed === undefined ? {} : { seed }) },
    );
    const written = [readFileSync(join(journalDir, "journal.jsonl"), "utf8"), server.stderr()];
    const sent = JSON.stringify(emulator.requests);
    for (const token of [readWrite, readOnly]) {
      for (const leak of [...leakForms(token), token.split(".")[2] as string]) {
        for (const text of [...written, sent]) expect(text).not.toContain(leak);
      }
    }
  });
});
