/**
 * The two scopes a signed-in caller can hold: one to look at the DLQ, one to change it. Their
 * names are `dlq:read` and `dlq:write` unless `--oauth-scope-map` renames them for a provider
 * that cannot use these (Entra ID's scopes are named under an application URI, for one).
 */

export interface AccessScopes {
  /** Every request needs it: listing tools, reading the DLQ. */
  read: string;
  /** The tools that change something need it as well. */
  write: string;
}

export const DEFAULT_SCOPES: AccessScopes = { read: "dlq:read", write: "dlq:write" };

/** RFC 6749's scope-token: printable ASCII without space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * `dlq:read=X,dlq:write=Y` (either half alone keeps the other's default). Returns the scopes, or
 * a message that says what to write instead.
 */
export function parseScopeMap(text: string): AccessScopes | string {
  const scopes = { ...DEFAULT_SCOPES };
  const seen = new Set<string>();
  for (const pair of text.split(",").map((part) => part.trim())) {
    const [name, value, ...rest] = pair.split("=").map((part) => part.trim());
    const key = name === DEFAULT_SCOPES.read ? "read" : name === DEFAULT_SCOPES.write ? "write" : undefined;
    if (key === undefined || !value || rest.length > 0) {
      return `--oauth-scope-map takes dlq:read=SCOPE,dlq:write=SCOPE, got "${text}".`;
    }
    if (!SCOPE_TOKEN.test(value)) {
      return `--oauth-scope-map: "${value}" is not a scope name (no spaces, quotes or backslashes).`;
    }
    if (seen.has(key)) return `--oauth-scope-map names ${name} twice.`;
    seen.add(key);
    scopes[key] = value;
  }
  // Disjoint as `holds` reads them: no scope a token can carry may stand for both.
  const standsFor = (scope: string, other: string) => namesOf(scope).some((name) => holds([name], other));
  if (standsFor(scopes.read, scopes.write) || standsFor(scopes.write, scopes.read)) {
    return `--oauth-scope-map: a token holding "${scopes.read}" would also hold "${scopes.write}" (or the other way round), so a read-only caller could change the DLQ. Give the two scopes names that differ in their last part.`;
  }
  return scopes;
}

/** The names a token may carry a scope by: the scope itself, and for a URI scope its last part. */
function namesOf(scope: string): string[] {
  const last = lastSegment(scope);
  return last === undefined ? [scope] : [scope, last];
}

/** The last segment of a URI scope's path (`api://app/DLQ.Read` → `DLQ.Read`); none without a path. */
function lastSegment(scope: string): string | undefined {
  const scheme = scope.indexOf("://");
  if (scheme <= 0) return undefined;
  const rest = scope.slice(scheme + 3);
  const slash = rest.lastIndexOf("/");
  const last = slash > 0 ? rest.slice(slash + 1) : "";
  return last === "" ? undefined : last;
}

/**
 * Whether a token's scopes include `scope`. Entra ID asks for a scope by its full name under the
 * application URI (`api://…/DLQ.Read`) but writes only the last part in the token's `scp`, so a
 * configured URI scope is also held by a token that names its last path segment.
 */
export function holds(granted: readonly string[], scope: string): boolean {
  return namesOf(scope).some((name) => name !== "" && granted.includes(name));
}
