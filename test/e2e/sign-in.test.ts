/**
 * Sign-in for teams, end to end: the built server over HTTP as an OAuth resource server, a real
 * OpenID provider (oidc-provider) as the team's identity provider, QStash as the emulator, and
 * the MCP SDK's own client auth doing what a host does: discovery from the 401, registration,
 * authorization code with PKCE for the server's resource, the step-up when a change needs more.
 * Around it, each token the server must refuse, and what it must never write.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ERAS } from "../support/clients.js";
import { TOOL_NAMES } from "../support/data.js";
import { leakForms, TEST_TOKEN, textOf } from "../support/harness.js";
import { type HttpServerProcess, startHttpServer } from "../support/http-server.js";
import { connectSignedIn, isAuthorizationNeeded, TestOAuthClient } from "../support/oauth-client.js";
import {
  ADA,
  freePort,
  postToolCall,
  READ,
  startProvider,
  startSignedInServer,
  type TestProvider,
  type TestUser,
  WRITE,
} from "../support/oidc.js";

const BOB: TestUser = { sub: "bob-2001", email: "bob@example.com", name: "Bob", grants: [READ, WRITE] };
/** Someone the provider lets read the DLQ and nothing more. */
const READER: TestUser = { sub: "rita-42", email: "rita@example.com", name: "Rita", grants: [READ] };
const OTHER_RESOURCE = "http://127.0.0.1:9/another-mcp";

let idp: TestProvider;
let emulator: Emulator;
let server: HttpServerProcess;
let resource: string;
let journalDir: string;
/** Every access token a test got: none may show up where the server writes. */
const tokens: string[] = [];

beforeAll(async () => {
  idp = await startProvider();
  emulator = await startEmulator({ token: TEST_TOKEN, entries: 60, seed: 11 });
  idp.resources.add(OTHER_RESOURCE);
  journalDir = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-sign-in-"));
  ({ server, resource } = await startSignedInServer(
    idp,
    ["--journal", join(journalDir, "journal.jsonl"), "--confirm-over", "2"],
    { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
    { confirm: true },
  ));
});

afterAll(async () => {
  await server?.stop();
  await emulator?.close();
  await idp?.close();
  rmSync(journalDir, { recursive: true, force: true });
});

/** A raw MCP request, as a client that brings its own token sends it. */
function post(token: string | undefined, name = "dlq_list", args: Record<string, unknown> = { count: 1 }) {
  return postToolCall(server.url, token, name, args);
}

/** The parameters of a `WWW-Authenticate: Bearer` challenge. */
function params(challenge: string): Record<string, string> {
  expect(challenge).toMatch(/^Bearer /);
  return Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
}

function metadataUrl(): string {
  return `${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp`;
}

async function dlqIds(count: number): Promise<string[]> {
  const token = await idp.clientToken(resource, READ);
  tokens.push(token);
  const listed = await post(token, "dlq_list", { count });
  const result = answerOf(listed.body) as {
    result?: { structuredContent?: { messages: { dlqId: string }[] } };
  };
  return (result.result?.structuredContent?.messages ?? []).map((message) => message.dlqId);
}

/** The JSON-RPC answer in a response, whether sent as JSON or as a server-sent event. */
function answerOf(body: string): unknown {
  const data = body.startsWith("{") ? body : /^data: (.*)$/m.exec(body)?.[1];
  return JSON.parse(data ?? "{}");
}

describe("the protected resource's metadata (RFC 9728)", () => {
  it("is served at the path-aware well-known URL and the bare one, open to any origin", async () => {
    for (const url of [metadataUrl(), `${new URL(resource).origin}/.well-known/oauth-protected-resource`]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(await response.json()).toEqual({
        resource,
        authorization_servers: [idp.issuer],
        scopes_supported: [READ, WRITE],
        bearer_methods_supported: ["header"],
        resource_name: expect.any(String),
      });
    }
  });

  it("leaves /healthz open", async () => {
    const response = await fetch(`${new URL(resource).origin}/healthz`);
    expect(response.status).toBe(200);
  });
});

describe("a request without a usable token", () => {
  it("gets 401 naming the metadata and the scope to ask for, with no error code when none was sent", async () => {
    const refused = await post(undefined);
    expect(refused.status).toBe(401);
    expect(params(refused.challenge)).toEqual({ resource_metadata: metadataUrl(), scope: READ });
  });

  const cases: [string, () => Promise<string>, RegExp][] = [
    ["a malformed one", async () => "not-a-jwt", /not a JWT/],
    [
      "an expired one",
      async () => {
        const now = Math.floor(Date.now() / 1000);
        idp.alterNextToken((claims) => Object.assign(claims, { iat: now - 7_200, exp: now - 3_600 }));
        return idp.clientToken(resource, READ);
      },
      /expired/,
    ],
    [
      "one not valid yet",
      async () => {
        idp.alterNextToken((claims) => Object.assign(claims, { nbf: Math.floor(Date.now() / 1000) + 3_600 }));
        return idp.clientToken(resource, READ);
      },
      /not valid yet/,
    ],
    [
      "one for another resource",
      () => idp.clientToken(OTHER_RESOURCE, `${READ} ${WRITE}`),
      /another resource/,
    ],
    [
      "one whose claims were edited to add a scope",
      async () => {
        const token = await idp.clientToken(resource, READ);
        const [header, payload, signature] = token.split(".");
        const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString("utf8"));
        const widened = Buffer.from(JSON.stringify({ ...claims, scope: `${READ} ${WRITE}` })).toString(
          "base64url",
        );
        return `${header}.${widened}.${signature}`;
      },
      /signature does not verify/,
    ],
    [
      "one from another issuer",
      async () => {
        const stranger = await startProvider();
        try {
          stranger.resources.add(resource);
          return await stranger.clientToken(resource, `${READ} ${WRITE}`);
        } finally {
          await stranger.close();
        }
      },
      /another issuer/,
    ],
  ];

  it.each(cases)(
    "gets 401 invalid_token for %s, and nothing of it comes back",
    async (_name, tokenOf, why) => {
      const token = await tokenOf();
      tokens.push(token);
      const refused = await post(token);
      expect(refused.status).toBe(401);
      const challenge = params(refused.challenge);
      expect(challenge).toMatchObject({
        error: "invalid_token",
        resource_metadata: metadataUrl(),
        scope: READ,
      });
      expect(challenge.error_description).toMatch(why);
      for (const form of leakForms(token)) {
        expect(refused.body).not.toContain(form);
        expect(refused.challenge).not.toContain(form);
      }
    },
  );

  it("gets 403 insufficient_scope when the token cannot even read", async () => {
    const token = await idp.clientToken(resource, WRITE);
    tokens.push(token);
    const refused = await post(token);
    expect(refused.status).toBe(403);
    expect(params(refused.challenge)).toMatchObject({ error: "insufficient_scope", scope: READ });
  });
});

describe("a read-only token", () => {
  it("lists and inspects, and a change gets 403 insufficient_scope naming both scopes", async () => {
    const token = await idp.clientToken(resource, READ);
    tokens.push(token);
    const [id] = await dlqIds(1);
    const inspected = await post(token, "dlq_inspect", { dlqIds: [id] });
    expect(inspected.status).toBe(200);
    expect(inspected.body).toContain(id);

    const before = emulator.requests.length;
    const refused = await post(token, "dlq_resume", { dlqIds: [id] });
    expect(refused.status).toBe(403);
    expect(params(refused.challenge)).toMatchObject({
      error: "insufficient_scope",
      scope: `${READ} ${WRITE}`,
      resource_metadata: metadataUrl(),
    });
    // Refused before the tool ran: QStash was not asked anything.
    expect(emulator.requests.slice(before)).toEqual([]);
    for (const name of ["dlq_delete", "dlq_restart", "dlq_resume_all", "flow_control_update"]) {
      expect((await post(token, name, {})).status, name).toBe(403);
    }
  });
});

describe.each(ERAS)("the MCP SDK's client auth, %s", (era) => {
  it("discovers the provider from the 401, registers, signs in with PKCE for this resource, reads, and steps up to change", async () => {
    const oauth = new TestOAuthClient(idp, ADA);
    const { client, transport } = await connectSignedIn(server.url, oauth, era);
    try {
      expect(oauth.authorizations).toHaveLength(1);
      const [first] = oauth.authorizations;
      expect(first?.origin).toBe(idp.issuer);
      expect(first?.searchParams.get("resource")).toBe(resource);
      // The scope the 401 named: read first; hosts may add offline_access for a refresh token.
      expect(first?.searchParams.get("scope")?.split(" ")).toContain(READ);
      expect(first?.searchParams.get("scope")?.split(" ")).not.toContain(WRITE);
      expect(first?.searchParams.get("code_challenge_method")).toBe("S256");
      expect(decodeJwt(oauth.accessToken)).toMatchObject({ aud: resource, sub: ADA.sub });
      expect(String(decodeJwt(oauth.accessToken).scope).split(" ")).not.toContain(WRITE);
      tokens.push(oauth.accessToken);

      const listed = await client.listTools();
      expect(listed.tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES]);
      const list = await client.callTool({ name: "dlq_list", arguments: { count: 1 } });
      expect(list.isError).toBeFalsy();
      const id = (list.structuredContent as { messages: { dlqId: string }[] }).messages[0]?.dlqId as string;

      // The read-only token meets the 403; the SDK asks the user to sign in for more.
      const change = { name: "dlq_resume", arguments: { dlqIds: [id] } };
      const stepUp = await client.callTool(change).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isAuthorizationNeeded(stepUp), String(stepUp)).toBe(true);
      expect(oauth.authorizations[1]?.searchParams.get("scope")?.split(" ")).toEqual(
        expect.arrayContaining([READ, WRITE]),
      );
      await oauth.finish(transport);
      tokens.push(oauth.accessToken);
      expect(decodeJwt(oauth.accessToken).scope).toContain(WRITE);

      const resumed = await client.callTool(change);
      expect(resumed.isError, textOf(resumed)).toBeFalsy();
      expect(emulator.resumed.map((record) => record.dlqId)).toContain(id);
      expect(resumed.structuredContent?.requestedBy).toMatchObject({
        sub: ADA.sub,
        email: ADA.email,
        name: ADA.name,
        clientId: expect.any(String),
      });
      expect(textOf(resumed)).toContain(`Requested by "${ADA.name}"`);
    } finally {
      await client.close();
    }
  });
});

describe("a person the provider lets only read", () => {
  it("cannot change anything: the step-up grants no more, and the change never reaches QStash", async () => {
    const oauth = new TestOAuthClient(idp, READER);
    const { client } = await connectSignedIn(server.url, oauth, "2026-07-28");
    try {
      tokens.push(oauth.accessToken);
      const list = await client.callTool({ name: "dlq_list", arguments: { count: 1 } });
      const id = (list.structuredContent as { messages: { dlqId: string }[] }).messages[0]?.dlqId as string;
      const before = emulator.requests.length;
      const refused = await client.callTool({ name: "dlq_delete", arguments: { dlqIds: [id] } }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(Error);
      expect(String(decodeJwt(oauth.accessToken).scope).split(" ")).not.toContain(WRITE);
      expect(emulator.requests.slice(before).filter((request) => request.method !== "GET")).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe("who asked, on a change that needs a yes", () => {
  it("names the caller in the question, binds the confirm token to them, and names them in the result", async () => {
    const ada = new TestOAuthClient(idp, ADA);
    const bob = new TestOAuthClient(idp, BOB);
    // Both sign in for changes from the start, as a host that remembers its last scopes does.
    for (const oauth of [ada, bob]) {
      const { client, transport } = await connectSignedIn(server.url, oauth, "2026-07-28");
      await client
        .callTool({ name: "dlq_resume", arguments: { dlqIds: ["warm-up"], dryRun: true } })
        .catch(async (error: unknown) => {
          if (!isAuthorizationNeeded(error)) throw error;
          await oauth.finish(transport);
        });
      await client.close();
      tokens.push(oauth.accessToken);
    }
    const ids = await dlqIds(3);
    const args = { dlqIds: ids };
    const { client: adaClient } = await connectSignedIn(server.url, ada, "2026-07-28");
    const { client: bobClient } = await connectSignedIn(server.url, bob, "2026-07-28");
    try {
      const asked = await adaClient.callTool({ name: "dlq_resume", arguments: args });
      const confirm = asked.structuredContent?.confirm as string;
      expect(confirm).toEqual(expect.any(String));
      expect(textOf(asked)).toContain(`Asked for by "${ADA.name}" <"${ADA.email}"> (sub "${ADA.sub}"`);

      const stolen = await bobClient.callTool({ name: "dlq_resume", arguments: { ...args, confirm } });
      expect(stolen.isError).toBe(true);
      expect(textOf(stolen)).toMatch(/given to another signed-in user/);
      expect(emulator.resumed.map((record) => record.dlqId)).not.toContain(ids[0]);

      const done = await adaClient.callTool({ name: "dlq_resume", arguments: { ...args, confirm } });
      expect(done.isError, textOf(done)).toBeFalsy();
      expect(done.structuredContent?.requestedBy).toMatchObject({ sub: ADA.sub });
    } finally {
      await adaClient.close();
      await bobClient.close();
    }
  });
});

describe("an agent that puts the caller's own token into its arguments", () => {
  it.each([
    ["dlq_inspect", (token: string) => ({ dlqIds: [token, Buffer.from(token).toString("base64")] })],
    ["dlq_list", (token: string) => ({ filter: { label: token }, count: 1 })],
    ["dlq_list", (token: string) => ({ cursor: encodeURIComponent(token) })],
    ["dlq_resume", (token: string) => ({ dlqIds: [`${token}x`], dryRun: true })],
  ])("never gets it back from %s, in any form", async (name, argsOf) => {
    const token = await idp.clientToken(resource, `${READ} ${WRITE}`);
    tokens.push(token);
    const answered = await post(token, name, argsOf(token));
    expect(answered.status).toBe(200);
    for (const form of leakForms(token)) expect(answered.body).not.toContain(form);
  });
});

describe("an agent that puts the caller's token where the SDK quotes it", () => {
  it("never gets it into the server's log, from a header the SDK's error quotes", async () => {
    const token = await idp.clientToken(resource, READ);
    tokens.push(token);
    const response = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": token,
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    await response.text();
    // Checked with every other token below, once the log has it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const form of leakForms(token)) expect(server.stderr()).not.toContain(form);
  });
});

describe("the provider's signing key rotates", () => {
  it("accepts tokens signed with the new key once it is published, fetching the keys again", async () => {
    const before = await idp.clientToken(resource, READ);
    tokens.push(before);
    expect((await post(before)).status).toBe(200);
    const fetched = idp.jwksRequests;
    await idp.rotateKey();
    const after = await idp.clientToken(resource, READ);
    tokens.push(after);
    expect(decodeJwt(after).iss).toBe(idp.issuer);
    // A key id not seen yet fetches the keys again; right after a fetch the server waits a few
    // seconds first, so a flood of made-up key ids cannot become a flood of requests.
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      status = (await post(after)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    expect(idp.jwksRequests).toBeGreaterThan(fetched);
    // The old key is still published: tokens signed with it still pass.
    expect((await post(before)).status).toBe(200);
  });
});

describe("starting with a provider that is wrong or away", () => {
  it("stops at once, saying what to set, when the issuer is not the one the provider names", async () => {
    const port = await freePort();
    const started = startHttpServer(
      [
        "--port",
        String(port),
        "--oauth-issuer",
        `${idp.issuer}/`,
        "--resource-url",
        `http://127.0.0.1:${port}/mcp`,
      ],
      { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
    );
    await expect(started).rejects.toThrow(
      new RegExp(`names its issuer "${idp.issuer}": set --oauth-issuer to exactly that`),
    );
  });

  it("starts with a warning when the provider cannot be reached, and answers 503 until it can", async () => {
    const gone = await freePort();
    const port = await freePort();
    const away = await startHttpServer(
      [
        "--port",
        String(port),
        "--oauth-issuer",
        `http://127.0.0.1:${gone}`,
        "--resource-url",
        `http://127.0.0.1:${port}/mcp`,
      ],
      { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
    );
    try {
      expect(away.stderr()).toMatch(
        /warning: The sign-in provider at http:\/\/127\.0\.0\.1:\d+ could not be reached/,
      );
      // Any token that names the configured issuer: its keys are what cannot be read.
      const { privateKey } = await generateKeyPair("RS256");
      const token = await new SignJWT({ scope: READ })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(`http://127.0.0.1:${gone}`)
        .setAudience(`http://127.0.0.1:${port}/mcp`)
        .setSubject("ada-1815")
        .setExpirationTime("5m")
        .sign(privateKey);
      const response = await fetch(away.url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
    } finally {
      await away.stop();
    }
  });
});

describe("tokens crafted to trip the checks", () => {
  it("are refused one by one, and never turn the server away from a good token", async () => {
    const good = await idp.clientToken(resource, READ);
    tokens.push(good);
    const { privateKey } = await generateKeyPair("ES256");
    const claims = {
      iss: idp.issuer,
      aud: resource,
      sub: "mallory",
      scope: `${READ} ${WRITE}`,
      exp: 9_999_999_999,
    };
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    /** Headers jose would not sign: written by hand, with a signature of nothing in particular. */
    const forged = (header: Record<string, unknown>) => `${part(header)}.${part(claims)}.AAAA`;
    const crafted = [
      await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "no-such-key" }).sign(privateKey),
      forged({ alg: "ES256", kid: 42 }),
      forged({ alg: "RS256", kid: {} }),
      forged({ alg: "RS256", crit: ["urn:x"], "urn:x": 1 }),
      forged({ alg: "RS256", b64: false, crit: ["b64"] }),
      forged({ alg: "RS256", jku: "http://127.0.0.1:9/keys", kid: "k" }),
      forged({ alg: "none" }),
      forged({ alg: "HS256" }),
      forged({ alg: ["RS256"] }),
      forged({}),
    ];
    for (const token of crafted) {
      const refused = await post(token);
      expect(refused.status, token.slice(0, 40)).toBe(401);
      expect(params(refused.challenge).error).toBe("invalid_token");
      expect((await post(good)).status).toBe(200);
    }
  });
});

describe("the provider's keys go away while the server holds them", () => {
  it("still takes tokens the held keys verify, whatever a token naming another key does meanwhile", async () => {
    const good = await idp.clientToken(resource, READ);
    tokens.push(good);
    expect((await post(good)).status).toBe(200);
    idp.failKeys = true;
    try {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const unknownKey = `${part({ alg: "RS256", kid: "not-published" })}.${part({ iss: idp.issuer, sub: "x", exp: 9_999_999_999 })}.AAAA`;
      // Right after a fetch, an unknown key id is refused without asking (401); once the pause
      // is over it makes the server fetch the keys, which fails: 503 for that token alone.
      let status = 0;
      for (let attempt = 0; attempt < 40 && status !== 503; attempt++) {
        status = (await post(unknownKey)).status;
        expect([401, 503]).toContain(status);
        expect((await post(good)).status).toBe(200);
        if (status !== 503) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(503);
      for (let attempt = 0; attempt < 5; attempt++) {
        expect((await post(unknownKey)).status).toBe(503);
        expect((await post(good)).status).toBe(200);
      }
    } finally {
      idp.failKeys = false;
    }
  });
});

describe("the provider's keys go away", () => {
  it("answers 503, not 401, fetching them at most once every few seconds, and takes tokens again once they are back", async () => {
    const port = await freePort();
    const local = `http://127.0.0.1:${port}/mcp`;
    idp.resources.add(local);
    idp.failKeys = true;
    const away = await startHttpServer(
      ["--port", String(port), "--oauth-issuer", idp.issuer, "--resource-url", local],
      { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN },
    );
    try {
      expect(away.stderr()).toMatch(/warning: The sign-in provider's keys could not be read/);
      const token = await idp.clientToken(local, READ);
      tokens.push(token);
      const fetched = idp.jwksRequests;
      const ask = async () => {
        const response = await fetch(away.url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2025-11-25",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
        return { status: response.status, body: await response.text() };
      };
      for (let attempt = 0; attempt < 10; attempt++) {
        const answered = await ask();
        expect(answered.status).toBe(503);
        // What failed is for the operator's log; the caller hears only that it did.
        expect(answered.body).not.toMatch(/127\.0\.0\.1|500/);
      }
      expect(idp.jwksRequests - fetched).toBeLessThanOrEqual(1);
      idp.failKeys = false;
      let status = 0;
      for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
        status = (await ask()).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(200);
    } finally {
      idp.failKeys = false;
      await away.stop();
    }
  });
});

describe("what the server writes", () => {
  it("names the caller on every journal line, and no access token appears in the journal, the log or QStash's requests", () => {
    const lines = readFileSync(join(journalDir, "journal.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; caller?: { sub?: string } });
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((line) => typeof line.caller?.sub !== "string")).toEqual([]);
    const subs = new Set(lines.map((line) => line.caller?.sub));
    expect(subs).toContain(ADA.sub);
    expect(subs).toContain(BOB.sub);

    const written = [readFileSync(join(journalDir, "journal.jsonl"), "utf8"), server.stderr()];
    const sent = emulator.requests.map((request) => JSON.stringify(request));
    expect(tokens.length).toBeGreaterThan(8);
    for (const token of tokens) {
      for (const form of leakForms(token)) {
        for (const text of [...written, ...sent]) expect(text).not.toContain(form);
      }
    }
    // Refusals are answers, not the server's troubles: its log holds its info lines, the
    // warning the header test above provoked (the token scrubbed from it), and the one the keys
    // outage above did.
    const logged = server.stderr().trim().split("\n");
    expect(logged.filter((line) => !/^\[workflow-dlq-mcp\] info: /.test(line))).toEqual([
      expect.stringMatching(/^\[workflow-dlq-mcp\] warning: MCP request failed: .*\[redacted\]/),
      expect.stringMatching(
        /^\[workflow-dlq-mcp\] warning: The sign-in provider's keys could not be read: it answered 500\./,
      ),
    ]);
    // QStash saw its own token and nothing else.
    expect(new Set(emulator.requests.map((request) => request.headers.authorization))).toEqual(
      new Set([`Bearer ${TEST_TOKEN}`]),
    );
  });
});
