/**
 * The client against a loopback HTTP server that answers whatever a test sets: what it hands
 * back, body or error, never carries the token, in any form, however the server wrote it.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QStashClient } from "../../src/qstash/client.js";
import { QStashError } from "../../src/qstash/errors.js";
import { REDACTED } from "../../src/redact.js";
import { leakForms } from "../support/harness.js";

/** Shaped like a real token: base64 of JSON, with `/`, `+` and `=` that encoders rewrite. */
const TOKEN = "eyJVc2VySUQiOiJjbGllbnQ/dGVzdCIs+IlBhc3N3b3JkIjoiY2xpZW50In0=";

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

let answer: Answer = { status: 200, body: "{}" };
const seen: IncomingMessage[] = [];
let server: Server;
let url: string;
const clients: QStashClient[] = [];

function client(token = TOKEN, tokenVariable?: string): QStashClient {
  const made = new QStashClient({ baseUrl: url, token, ...(tokenVariable ? { tokenVariable } : {}) });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request);
    request.resume();
    request.on("end", () => {
      response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  seen.length = 0;
  await Promise.all(clients.splice(0).map((made) => made.close()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failure(request = client().request({ method: "GET", path: "/v2/workflows/dlq" })) {
  const error = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(QStashError);
  return error as QStashError;
}

function expectNoToken(text: string): void {
  for (const form of leakForms(TOKEN)) expect(text).not.toContain(form);
}

describe("error bodies", () => {
  it.each([
    ["plain text", (padding: string) => `${padding}${TOKEN} and the rest of the text`],
    ["a JSON error field", (padding: string) => JSON.stringify({ error: `${padding}${TOKEN} and more` })],
  ])("a token straddling the 500-character cut leaves no prefix (%s)", async (_name, body) => {
    answer = { status: 400, body: body("x".repeat(470)) };
    const error = await failure();
    expectNoToken(error.message);
    expect(error.message).toContain("The server said:");
  });

  it("a JSON body that escapes / as \\/ is scrubbed", async () => {
    const escaped = JSON.stringify(TOKEN).slice(1, -1).replaceAll("/", "\\/");
    answer = { status: 400, body: `{"error":{"reason":"bad token ${escaped}"}}` };
    const error = await failure();
    expectNoToken(error.message);
    expect(error.message).toContain(REDACTED);
  });

  it("a token written with \\u escapes is scrubbed once the body is parsed", async () => {
    const unicode = [...TOKEN].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    answer = { status: 400, body: `{"message":"token ${unicode}"}` };
    const error = await failure();
    expectNoToken(error.message);
    expect(error.message).not.toContain(unicode);
    expect(error.message).toContain(REDACTED);
  });

  it.each([
    ["URL-encoded", encodeURIComponent(TOKEN)],
    ["URL-encoded with lower-case hex", encodeURIComponent(TOKEN).replace(/%../g, (e) => e.toLowerCase())],
    ["form-encoded", new URLSearchParams({ t: TOKEN }).toString().slice(2)],
    ["inside base64", Buffer.from(`Bearer ${TOKEN}`).toString("base64")],
  ])("an error body with the token %s is scrubbed", async (_name, form) => {
    answer = { status: 404, body: `upstream rejected https://x.example/?token=${form}` };
    const error = await failure();
    expectNoToken(error.message);
    expect(error.message).toContain(REDACTED);
  });

  it("a path holding the token is not quoted back", async () => {
    answer = { status: 404, body: '{"error":"message not found"}' };
    const error = await failure(client().request({ method: "GET", path: `/v2/workflows/dlq/${TOKEN}` }));
    expectNoToken(error.message);
  });
});

describe("successful bodies", () => {
  it("scrubs a message's responseBody, a cursor and a header the server echoes", async () => {
    answer = {
      status: 200,
      headers: { "x-echo": `Bearer ${TOKEN}` },
      body: JSON.stringify({
        messages: [
          { dlqId: "dlq_1", responseBody: `{"auth":"${TOKEN}"}` },
          { dlqId: "dlq_2", responseBodyBase64: Buffer.from(`token=${TOKEN};`).toString("base64") },
          { dlqId: "dlq_3", responseBody: "nothing to hide" },
        ],
        cursor: `next-${encodeURIComponent(TOKEN)}`,
      }).replaceAll("/", "\\/"),
    };
    const response = await client().request<{
      messages: { dlqId: string; responseBody?: string; responseBodyBase64?: string }[];
      cursor: string;
    }>({ method: "GET", path: "/v2/workflows/dlq" });
    expectNoToken(JSON.stringify(response.body));
    expectNoToken(JSON.stringify(response.headers));
    expect(response.body.messages[0]?.responseBody).toBe(`{"auth":"${REDACTED}"}`);
    expect(response.body.cursor).toBe(`next-${REDACTED}`);
    expect(response.body.messages[2]?.responseBody).toBe("nothing to hide");
    const decoded = Buffer.from(response.body.messages[1]?.responseBodyBase64 ?? "", "base64").toString(
      "latin1",
    );
    expect(decoded).not.toContain(TOKEN.slice(0, 6));
  });
});

describe("transport failures", () => {
  it("scrubs the token from a connection error's text", async () => {
    const made = client();
    const failing = {
      request: async () => {
        throw new Error(`socket hang up while sending ${encodeURIComponent(TOKEN)}`);
      },
      close: async () => {},
    };
    (made as unknown as { pool: Promise<unknown> }).pool = Promise.resolve(failing);
    const error = await failure(made.request({ method: "GET", path: "/v2/workflows/dlq" }));
    expect(error.kind).toBe("network");
    expectNoToken(error.message);
  });
});

describe("a token that cannot be sent", () => {
  it.each([
    ["a line break", `${TOKEN.slice(0, 20)}\n${TOKEN.slice(20)}`],
    ["whitespace", `${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`],
    ["a control character", `${TOKEN.slice(0, 20)}\u0000${TOKEN.slice(20)}`],
    ["a character outside printable ASCII", `${TOKEN.slice(0, 20)}é${TOKEN.slice(20)}`],
  ])("with %s: every request is refused before it is sent, naming the variable", async (fault, token) => {
    const made = client(token, "EU_CENTRAL_1_QSTASH_TOKEN");
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await failure(made.request({ method: "GET", path: "/v2/workflows/dlq" }));
      expect(error.kind).toBe("missingToken");
      expect(error.surelyNotProcessed).toBe(true);
      expect(error.message).toContain(`EU_CENTRAL_1_QSTASH_TOKEN has ${fault} in it`);
      expect(error.message).toContain("nothing was sent");
      expect(error.message).not.toMatch(/may have been processed/);
      expect(error.message).not.toContain(TOKEN.slice(0, 10));
    }
    expect(() => made.assertConfigured()).toThrow(/EU_CENTRAL_1_QSTASH_TOKEN/);
    expect(seen).toHaveLength(0);
  });

  it("a missing token is still the missing-token error", async () => {
    const error = await failure(client("").request({ method: "GET", path: "/v2/workflows/dlq" }));
    expect(error.message).toMatch(/No QStash token is configured\. Set QSTASH_TOKEN/);
    expect(seen).toHaveLength(0);
  });
});
