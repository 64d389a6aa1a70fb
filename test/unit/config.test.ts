import { describe, expect, it } from "vitest";
import { resolveCredentials } from "../../src/config.js";

describe("credentials from the environment", () => {
  it("defaults to the global QStash URL", () => {
    expect(resolveCredentials({ QSTASH_TOKEN: "t" })).toMatchObject({
      baseUrl: "https://qstash.upstash.io",
      token: "t",
      tokenVariable: "QSTASH_TOKEN",
    });
  });

  it("uses the regional pair when QSTASH_REGION selects one (dashes and case normalised)", () => {
    const credentials = resolveCredentials({
      QSTASH_REGION: "us-east-1",
      US_EAST_1_QSTASH_URL: "https://qstash-us-east-1.upstash.io/",
      US_EAST_1_QSTASH_TOKEN: "regional",
      QSTASH_TOKEN: "global",
    });
    expect(credentials).toMatchObject({
      baseUrl: "https://qstash-us-east-1.upstash.io",
      token: "regional",
      region: "US_EAST_1",
      tokenVariable: "US_EAST_1_QSTASH_TOKEN",
    });
  });

  it("falls back to the plain names with a warning when the regional pair is incomplete", () => {
    const credentials = resolveCredentials({ QSTASH_REGION: "EU_CENTRAL_1", QSTASH_TOKEN: "global" });
    expect(credentials.token).toBe("global");
    expect(credentials.warnings.join(" ")).toMatch(/EU_CENTRAL_1_QSTASH_URL and EU_CENTRAL_1_QSTASH_TOKEN/);
  });

  it("warns about an unknown region", () => {
    expect(resolveCredentials({ QSTASH_REGION: "mars-1" }).warnings.join(" ")).toMatch(/not one of/);
  });

  it("never puts the token into a warning", () => {
    const credentials = resolveCredentials({
      QSTASH_REGION: "EU_CENTRAL_1",
      EU_CENTRAL_1_QSTASH_TOKEN: "secret-token-1",
    });
    expect(credentials.warnings.join(" ")).not.toContain("secret-token-1");
  });
});

describe("a token as it was read", () => {
  it("drops the line break a mounted secret file ends with, and the spaces around a pasted one", () => {
    expect(resolveCredentials({ QSTASH_TOKEN: "secret-token-1\n" })).toMatchObject({
      token: "secret-token-1",
      warnings: [],
    });
    expect(resolveCredentials({ QSTASH_TOKEN: "  secret-token-1\r\n" }).token).toBe("secret-token-1");
    expect(
      resolveCredentials({
        QSTASH_REGION: "us-east-1",
        US_EAST_1_QSTASH_URL: "https://qstash-us-east-1.upstash.io\n",
        US_EAST_1_QSTASH_TOKEN: "regional\n",
      }),
    ).toMatchObject({ baseUrl: "https://qstash-us-east-1.upstash.io", token: "regional", warnings: [] });
  });

  it("takes a token of only whitespace as not set", () => {
    expect(resolveCredentials({ QSTASH_TOKEN: " \n" }).token).toBeUndefined();
  });

  it.each([
    ["a line break", "secret\ntoken"],
    ["whitespace", "secret token"],
    ["a control character", "secret\u0007token"],
    ["a character outside printable ASCII", "secret\u00e9token"],
  ])("warns once about a token with %s inside it, without quoting it", (fault, token) => {
    const credentials = resolveCredentials({ QSTASH_TOKEN: token });
    expect(credentials.warnings).toHaveLength(1);
    expect(credentials.warnings[0]).toContain(`QSTASH_TOKEN has ${fault} in it`);
    expect(credentials.warnings[0]).not.toContain("secret");
  });

  it("names the regional variable when that token is the one that cannot be sent", () => {
    const credentials = resolveCredentials({
      QSTASH_REGION: "EU_CENTRAL_1",
      EU_CENTRAL_1_QSTASH_URL: "https://qstash-eu-central-1.upstash.io",
      EU_CENTRAL_1_QSTASH_TOKEN: "secret\ttoken",
    });
    expect(credentials.warnings.join(" ")).toMatch(/^EU_CENTRAL_1_QSTASH_TOKEN has whitespace in it/);
  });
});
