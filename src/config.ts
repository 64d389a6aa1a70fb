/**
 * QStash credentials from the environment, resolved the way the official client resolves them:
 * a valid QSTASH_REGION selects `<REGION>_QSTASH_URL` / `<REGION>_QSTASH_TOKEN` when both are set,
 * and the plain names are the fallback.
 */
import { tokenFault } from "./qstash/errors.js";

export const DEFAULT_QSTASH_URL = "https://qstash.upstash.io";
const VALID_REGIONS = ["EU_CENTRAL_1", "US_EAST_1"] as const;

export interface QStashCredentials {
  baseUrl: string;
  /** Undefined when no token is configured: the server still starts, and every call says what to set. */
  token: string | undefined;
  region: string | undefined;
  /** Where the token came from, for error messages (never the token itself). */
  tokenVariable: string;
  /** Warnings worth a line on stderr (an unknown region, region credentials missing, a token that cannot be sent). */
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
    const url = setting(env[`${region}_QSTASH_URL`]);
    const token = setting(env[`${region}_QSTASH_TOKEN`]);
    if (url && token) {
      const tokenVariable = `${region}_QSTASH_TOKEN`;
      warnAboutToken(token, tokenVariable, warnings);
      return { baseUrl: trimBaseUrl(url), token, region, tokenVariable, warnings };
    }
    warnings.push(
      `QSTASH_REGION is ${region} but ${region}_QSTASH_URL and ${region}_QSTASH_TOKEN are not both set; using QSTASH_URL and QSTASH_TOKEN.`,
    );
  }
  const token = setting(env.QSTASH_TOKEN);
  if (token) warnAboutToken(token, "QSTASH_TOKEN", warnings);
  return {
    baseUrl: trimBaseUrl(setting(env.QSTASH_URL) ?? DEFAULT_QSTASH_URL),
    token,
    region: undefined,
    tokenVariable: "QSTASH_TOKEN",
    warnings,
  };
}

/**
 * A value without the whitespace around it: a secret mounted as a file, or pasted from a
 * terminal, usually ends with a line break that is no part of it. Blank is unset.
 */
function setting(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The client refuses such a token on every call; say so once at start-up, without the token. */
function warnAboutToken(token: string, variable: string, warnings: string[]): void {
  const fault = tokenFault(token);
  if (fault) {
    warnings.push(
      `${variable} has ${fault} in it, so it cannot be a QStash token: tools will answer with an error until it is set to the token exactly as the Upstash console shows it.`,
    );
  }
}

function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
