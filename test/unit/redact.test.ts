import { describe, expect, it } from "vitest";
import { NO_SECRET, REDACTED, Redactor } from "../../src/redact.js";

/** Shaped like a QStash token (base64 of JSON), with the characters encoders treat differently. */
const SECRET = "eyJVc2VySUQiOiJyZWRhY3Q/dGVzdC+Ii=wi~'!(q)*";
const redactor = new Redactor(SECRET);
const base64 = (text: string) => Buffer.from(text).toString("base64");
const base64url = (text: string) => Buffer.from(text).toString("base64url");

/** The secret must not survive in any of these, nor any long piece of it. */
function expectScrubbed(text: string, ...forms: string[]): void {
  for (const form of forms) expect(text).not.toContain(form);
  expect(text).not.toContain(SECRET.slice(0, 12));
  expect(text).toContain(REDACTED);
}

describe("Redactor.text", () => {
  it.each([
    ["raw", SECRET],
    ["JSON-escaped", JSON.stringify(SECRET).slice(1, -1)],
    ["JSON with / escaped as \\/", JSON.stringify(SECRET).slice(1, -1).replaceAll("/", "\\/")],
    ["encodeURIComponent", encodeURIComponent(SECRET)],
    [
      "encodeURIComponent, lower-case hex",
      encodeURIComponent(SECRET).replace(/%../g, (e) => e.toLowerCase()),
    ],
    ["form encoding", new URLSearchParams({ t: SECRET }).toString().slice(2)],
    ["base64", base64(SECRET)],
    ["base64 without padding", base64(SECRET).replace(/=+$/, "")],
    ["base64url", base64url(SECRET)],
  ])("replaces the %s form", (_name, form) => {
    const out = redactor.text(`before ${form} after`);
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it("replaces a secret with a quote, a backslash and a control character as JSON writes it", () => {
    const odd = new Redactor('tok"en\\with\u0001odd');
    const text = JSON.stringify({ error: 'x tok"en\\with\u0001odd y' });
    expect(odd.text(text)).toBe(`{"error":"x ${REDACTED} y"}`);
  });

  it.each([0, 1, 2])("finds the secret inside a longer base64 text, %i bytes into a group", (offset) => {
    const plain = `${"p".repeat(offset + 3)}Authorization: Bearer ${SECRET} and more text after it`;
    for (const encoded of [base64(plain), base64url(plain)]) {
      const out = redactor.text(encoded);
      expect(out).toContain(REDACTED);
      const decoded = Buffer.from(out.replace(REDACTED, ""), "base64").toString("latin1");
      expect(decoded).not.toContain(SECRET.slice(0, 6));
      expect(decoded).not.toContain(SECRET.slice(-6));
    }
  });

  it("finds a basic-auth header's base64, whatever is before the secret", () => {
    for (const user of ["u", "us", "use", "user"]) {
      expect(redactor.text(`Basic ${base64(`${user}:${SECRET}`)}`)).toContain(REDACTED);
    }
  });

  it("leaves text without the secret alone, and the same string when nothing matched", () => {
    const big = `${"no secret here, just text / + = % ".repeat(200_000)}${SECRET.slice(0, 10)}`;
    const started = performance.now();
    expect(redactor.text(big)).toBe(big);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("ignores a secret shorter than 4 characters, and no secret", () => {
    expect(new Redactor("abc").text("abc abc")).toBe("abc abc");
    expect(new Redactor("").text("anything")).toBe("anything");
    expect(new Redactor(undefined).text("anything")).toBe("anything");
    expect(NO_SECRET.text(SECRET)).toBe(SECRET);
  });

  it("replaces every occurrence", () => {
    expect(redactor.text(`${SECRET}${SECRET} ${SECRET}`)).toBe(`${REDACTED}${REDACTED} ${REDACTED}`);
  });

  it("is safe for a secret made of regular-expression syntax", () => {
    const syntax = ".*+?^$\u007b}()|[]\\/";
    const regex = new Redactor(syntax);
    expect(regex.text(`a ${syntax} b`)).toBe(`a ${REDACTED} b`);
    expect(regex.text("abcdefghijklmnopqrstuvwxyz")).toBe("abcdefghijklmnopqrstuvwxyz");
  });

  it("redacts whole before a cut, so no prefix survives it", () => {
    const text = `${"x".repeat(490)}${SECRET}`;
    expectScrubbed(redactor.text(text).slice(0, 500), SECRET);
  });
});

describe("Redactor.including", () => {
  const ACCESS = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

  it("scrubs a caller's access token, in its forms, beside the secret it had, and leaves the original alone", () => {
    const call = redactor.including([ACCESS, "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"]);
    const text = `${SECRET} ${ACCESS} ${base64(ACCESS)} ${encodeURIComponent(ACCESS)} sig=c2lnbmF0dXJlLW9mLXRoZS10b2tlbg`;
    const scrubbed = call.text(text);
    for (const form of [SECRET, ACCESS, base64(ACCESS), "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"]) {
      expect(scrubbed).not.toContain(form);
    }
    expect(redactor.text(ACCESS)).toBe(ACCESS);
    expect(NO_SECRET.including([ACCESS]).text(`a ${ACCESS} b`)).toBe(`a ${REDACTED} b`);
  });
});

describe("Redactor.deep", () => {
  it("scrubs strings at any depth, and object keys, without touching the original", () => {
    const value = {
      messages: [{ dlqId: "dlq_1", responseBody: `token ${SECRET}` }, { dlqId: "dlq_2" }],
      cursor: SECRET,
      [SECRET]: 1,
      count: 2,
      ok: true,
      none: null,
    };
    const original = structuredClone(value);
    const out = redactor.deep(value);
    expect(out).toEqual({
      messages: [{ dlqId: "dlq_1", responseBody: `token ${REDACTED}` }, { dlqId: "dlq_2" }],
      cursor: REDACTED,
      [REDACTED]: 1,
      count: 2,
      ok: true,
      none: null,
    });
    expect(value).toEqual(original);
    // Members that did not change are shared, not copied.
    expect(out.messages[1]).toBe(value.messages[1]);
  });

  it("keeps the order of an object's members", () => {
    const out = redactor.deep({ a: 1, b: SECRET, c: 3 });
    expect(Object.keys(out)).toEqual(["a", "b", "c"]);
  });

  it("returns the very same value when nothing changed", () => {
    const value = { messages: [{ dlqId: "dlq_1", body: "plain" }], cursor: "c" };
    expect(redactor.deep(value)).toBe(value);
    expect(NO_SECRET.deep(value)).toBe(value);
    expect(redactor.deep("plain")).toBe("plain");
    expect(redactor.deep(5)).toBe(5);
    expect(redactor.deep(null)).toBe(null);
    expect(redactor.deep(undefined)).toBe(undefined);
    expect(redactor.deep(SECRET)).toBe(REDACTED);
  });

  it('keeps a parsed "__proto__" member an own member, never a prototype', () => {
    const parsed = JSON.parse(`{"__proto__": {"polluted": "${SECRET}"}, "x": "${SECRET}"}`) as Record<
      string,
      unknown
    >;
    const out = redactor.deep(parsed);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: REDACTED });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("walks nesting far deeper than the call stack", () => {
    let value: unknown = SECRET;
    for (let level = 0; level < 200_000; level++) value = level % 2 ? [value] : { v: value };
    let out = redactor.deep(value);
    for (let level = 199_999; level >= 0; level--) {
      out = level % 2 ? (out as unknown[])[0] : (out as { v: unknown }).v;
    }
    expect(out).toBe(REDACTED);
  });

  it("leaves anything that is not plain JSON data as it is", () => {
    const date = new Date(0);
    const map = new Map([[SECRET, SECRET]]);
    const value = { date, map };
    expect(redactor.deep(value)).toBe(value);
  });
});
