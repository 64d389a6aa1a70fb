/**
 * Whether a host name is this machine: where the HTTP server may listen without sign-in, and
 * where an issuer or resource URL may be plain http (a test, a provider run locally).
 */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
