import { describe, expect, it } from "vitest";
import {
  CLOCK_SKEW_TOLERANCE_MS,
  CONFIRMATION_LIFETIME_MS,
  ConfirmationSigner,
} from "../../src/mcp/confirm/token.js";
import { QStashClient } from "../../src/qstash/client.js";
import { leakForms } from "../support/harness.js";

const TOKEN = "eyJVc2VySUQiOiJjb25maXJtLXRlc3QiLCJQYXNzd29yZCI6InNlY3JldCJ9";
const signerFor = (token: string) =>
  new ConfirmationSigner(
    new QStashClient({ baseUrl: "http://127.0.0.1:9", token }).derivedKey("confirmation") as Buffer,
  );

describe("confirm tokens", () => {
  const now = Date.UTC(2026, 11, 2, 12, 0, 0);

  it("are accepted for the call they were issued for until they expire, by any server with the same QStash token", () => {
    const shown = { entries: 312, exact: true, snapshot: now - 3_000 };
    const { token, expiresAt } = signerFor(TOKEN).issue("binding-a", "confirm", shown, now);
    expect(expiresAt).toBe(now + CONFIRMATION_LIFETIME_MS);
    expect(signerFor(TOKEN).check(token, "binding-a", "confirm", now + 1_000)).toEqual({
      ok: true,
      ...shown,
      issuedAt: now,
      expiresAt,
    });
    // Another replica whose clock runs a minute ahead still honours it at its stated expiry.
    expect(signerFor(TOKEN).check(token, "binding-a", "confirm", expiresAt + 60_000).ok).toBe(true);
    expect(
      signerFor(TOKEN).check(token, "binding-a", "confirm", expiresAt + CLOCK_SKEW_TOLERANCE_MS + 1),
    ).toEqual({
      ok: false,
      why: "expired",
    });
    expect(signerFor(TOKEN).check(token, "binding-b", "confirm", now)).toEqual({
      ok: false,
      why: "otherCall",
    });
  });

  it("are refused by a server with another QStash token, and when altered or cut", () => {
    const { token } = signerFor(TOKEN).issue("binding-a", "confirm", { entries: 5, exact: true }, now);
    expect(signerFor(`${TOKEN}x`).check(token, "binding-a", "confirm", now)).toEqual({
      ok: false,
      why: "forged",
    });
    const [head, body, signature] = token.split(".") as [string, string, string];
    const widened = Buffer.from(
      Buffer.from(body, "base64url").toString("utf8").replace('"n":5', '"n":1'),
    ).toString("base64url");
    expect(signerFor(TOKEN).check(`${head}.${widened}.${signature}`, "binding-a", "confirm", now).ok).toBe(
      false,
    );
    expect(signerFor(TOKEN).check(token.slice(0, -4), "binding-a", "confirm", now)).toEqual({
      ok: false,
      why: "forged",
    });
    expect(signerFor(TOKEN).check("wdlq1.abc", "binding-a", "confirm", now)).toEqual({
      ok: false,
      why: "malformed",
    });
  });

  it("stand only for what they were issued for: a question's state is no confirmation", () => {
    const { token } = signerFor(TOKEN).issue("binding-a", "question", { entries: 5, exact: true }, now);
    expect(signerFor(TOKEN).check(token, "binding-a", "confirm", now)).toEqual({
      ok: false,
      why: "otherCall",
    });
    expect(signerFor(TOKEN).check(token, "binding-a", "question", now).ok).toBe(true);
  });

  it("carry no form of the QStash token", () => {
    const { token } = signerFor(TOKEN).issue("binding-a", "confirm", { entries: 5, exact: true }, now);
    for (const form of leakForms(TOKEN)) expect(token).not.toContain(form);
  });
});
