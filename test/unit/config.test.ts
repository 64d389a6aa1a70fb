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
