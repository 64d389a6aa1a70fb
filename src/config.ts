/**
 * QStash credentials from the environment, resolved the way the official client resolves them:
 * a valid QSTASH_REGION selects `<REGION>_QSTASH_URL` / `<REGION>_QSTASH_TOKEN` when both are set,
 * and the plain names are the fallback.
 */

export const DEFAULT_QSTASH_URL = "https://qstash.upstash.io";
const VALID_REGIONS = ["EU_CENTRAL_1", "US_EAST_1"] as const;

export interface QStashCredentials {
  baseUrl: string;
  /** Undefined when no token is configured: the server still starts, and every call says what to set. */
  token: string | undefined;
  region: string | undefined;
  /** Where the token came from, for error messages (never the token itself). */
  tokenVariable: string;
  /** Warnings worth a line on stderr (an unknown region, region credentials missing). */
  warnings: string[];
}

export function normalizeRegion(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const region = value.replaceAll("-", "_").toUpperCase();
  return (VALID_REGIONS as readonly string[]).includes(region) ? region : undefined;
}

export function resolveCredentials(env: NodeJS.ProcessEnv = process.env): QStashCredentials {
  const warnings: string[] = [];
  const rawRegion = env.QSTASH_REGION;
  const region = normalizeRegion(rawRegion);
  if (rawRegion && !region) {
    warnings.push(
      `QSTASH_REGION="${rawRegion}" is not one of ${VALID_REGIONS.join(", ")}; using QSTASH_URL.`,
    );
  }
  if (region) {
    const url = env[`${region}_QSTASH_URL`];
    const token = env[`${region}_QSTASH_TOKEN`];
    if (url && token) {
      return { baseUrl: trimBaseUrl(url), token, region, tokenVariable: `${region}_QSTASH_TOKEN`, warnings };
    }
    warnings.push(
      `QSTASH_REGION is ${region} but ${region}_QSTASH_URL and ${region}_QSTASH_TOKEN are not both set; using QSTASH_URL and QSTASH_TOKEN.`,
    );
  }
  return {
    baseUrl: trimBaseUrl(env.QSTASH_URL || DEFAULT_QSTASH_URL),
    token: env.QSTASH_TOKEN || undefined,
    region: undefined,
    tokenVariable: "QSTASH_TOKEN",
    warnings,
  };
}

function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
