/**
 * Query-string encoding exactly as the official client does it: arrays repeat the key, dates
 * become Unix milliseconds, undefined is omitted, and an empty array is refused rather than sent.
 */

export type QueryScalar = string | number | boolean | Date;
export type QueryValue = QueryScalar | readonly QueryScalar[] | undefined;
export type QueryParams = Record<string, QueryValue>;

export function encodeQuery(query: QueryParams): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length === 0) {
        throw new Error(`Refusing to send an empty list for "${key}": it would select everything.`);
      }
      for (const item of value) params.append(key, scalarToString(item));
    } else {
      params.set(key, scalarToString(value as QueryScalar));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function scalarToString(value: QueryScalar): string {
  return value instanceof Date ? String(value.getTime()) : String(value);
}

/** Characters one `key=value&` pair adds to a query, encoded exactly as `encodeQuery` encodes it. */
export function encodedPairLength(key: string, value: QueryScalar): number {
  return new URLSearchParams([[key, scalarToString(value)]]).toString().length + 1;
}
