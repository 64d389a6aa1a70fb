/**
 * Ids and choices the emulator derives from a hash instead of a random source, so the same
 * entries give the same runs, messages and re-failures however requests interleave.
 */
import { createHash } from "node:crypto";

export const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const URL_SAFE = `${ALNUM}_-`;

export function digest(parts: readonly string[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part, "utf8").update("\0");
  return hash.digest();
}

/**
 * Ids derived from a hash instead of a random source: the same entries resumed in any order,
 * by any mix of concurrent requests, get the same new ids, so re-failures are reproducible too.
 */
export function hashedId(prefix: string, alphabet: string, length: number, parts: readonly string[]): string {
  let out = prefix;
  for (let block = 0; out.length < prefix.length + length; block++) {
    for (const byte of digest([...parts, String(block)])) {
      if (out.length === prefix.length + length) break;
      out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
