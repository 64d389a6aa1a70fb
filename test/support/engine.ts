/**
 * The engine in-process: the real QStash client and DLQ API over loopback HTTP, a call scope
 * per run. For fast tests of the runners against the emulator or a scripted server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallScope, type ScopeOptions } from "../../src/engine/scope.js";
import { QStashApi } from "../../src/qstash/api.js";
import { QStashClient } from "../../src/qstash/client.js";

export interface Engine {
  api: QStashApi;
  scope(options?: Partial<ScopeOptions>): CallScope;
  close(): Promise<void>;
}

export function engineFor(baseUrl: string, token: string, options: { timeoutMs?: number } = {}): Engine {
  const client = new QStashClient({ baseUrl, token, timeoutMs: options.timeoutMs ?? 5_000, connections: 8 });
  const api = new QStashApi(client);
  return {
    api,
    scope: (scopeOptions = {}) =>
      new CallScope({
        api,
        retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
        deadlineMs: 20_000,
        ...scopeOptions,
      }),
    close: () => client.close(),
  };
}

export type Script = (
  request: { method: string; path: string; query: URLSearchParams; index: number },
  res: ServerResponse,
  req: IncomingMessage,
) => void | Promise<void>;

/** A loopback HTTP server answering each request as the script says. */
export async function scriptedServer(
  script: Script,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  let index = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://scripted.invalid");
    req.resume();
    void script(
      { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, index: index++ },
      res,
      req,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
