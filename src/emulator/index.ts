import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { DlqMessage } from "../wire/types.js";
import type { EmulatorState } from "./control.js";
import { type Fault, FaultInjector } from "./faults.js";
import type { DeliveryOptions } from "./flow-control.js";
import { createRequestListener, type HttpContext, type RecordedRequest } from "./http.js";
import { type Quirks, REALISTIC_QUIRKS } from "./quirks.js";
import type { RefailOptions, ResumedRecord } from "./redrive.js";
import { DEFAULT_SEED, DEFAULT_SEED_ENTRIES, generateDlqMessages } from "./seed.js";
import { DlqStore } from "./store.js";

export type { EmulatorState } from "./control.js";
export type { Cursor, SortKey } from "./cursors.js";
export { decodeCursor, encodeCursor } from "./cursors.js";
export type { Fault, FaultKind, FaultRequest } from "./faults.js";
export { FAULT_KINDS } from "./faults.js";
export type { DlqFilter, Selection } from "./filters.js";
export { matchesFilter } from "./filters.js";
export type { DeliveryOptions, FlowControlInfo } from "./flow-control.js";
export type { RecordedRequest } from "./http.js";
export { UNAUTHORIZED_MESSAGE } from "./http.js";
export type { RedriveAction, RefailOptions, ResumedRecord, ResumeOverrides } from "./redrive.js";
export { mulberry32 } from "./rng.js";
export type { SeedOptions } from "./seed.js";
export { generateDlqMessages } from "./seed.js";
export { SEED_LABELS, SEED_WORKFLOW_URLS } from "./seed-data.js";
export { DlqStore, DlqStoreError } from "./store.js";

export interface EmulatorOptions {
  /** How QStash's looser answers are emulated; every quirk is on unless switched off here. */
  quirks?: Partial<Quirks>;
  /** The bearer token every request must carry. */
  token: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Generated messages (ignored when `messages` is given); default 300. */
  entries?: number;
  seed?: number;
  /** Reference time for generated messages, Unix milliseconds; default: start time. */
  now?: number;
  /** Exact DLQ contents instead of generated ones. */
  messages?: DlqMessage[];
  /** Added before every API response, for benchmarks. */
  latencyMs?: number;
  /** The request log keeps at most this many (default: all), so a long-lived emulator stays small. */
  maxRecordedRequests?: number;
  /**
   * Resumed runs that fail again: each re-enters the DLQ as a new entry with its new run id, with
   * probability `share`, decided by `seed` and the run. Off by default; kept across `reset()`.
   */
  refail?: RefailOptions;
  /**
   * Run what is resumed at its flow-control key's pace, each run then succeeding or failing
   * again (a 4xx mostly persists, a 5xx mostly clears), as QStash does; `speedUp` compresses
   * time for tests. Off by default: a run's fate is then decided when it is resumed.
   */
  delivery?: DeliveryOptions;
  /**
   * Retried failure callbacks fail again at once, as callbacks whose endpoint is still broken do:
   * the entry reads CALLBACK_FAIL again right after the retry was answered. Off by default: a
   * retried callback stays in progress. Kept across `reset()`.
   */
  callbackRetriesFail?: boolean;
}

export interface ResetOptions {
  entries?: number;
  seed?: number;
  now?: number;
  messages?: DlqMessage[];
}

export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly store: DlqStore;
  /** Every API request so far, including rejected and faulted ones. */
  readonly requests: RecordedRequest[];
  /**
   * Every run resumed since start or the last reset: the entry's dlqId, its original run and the
   * new run the answer reported, and the dlqId it re-entered the DLQ as if it failed again.
   */
  readonly resumed: ResumedRecord[];
  /** API requests received and not yet answered, such as one waiting out `latencyMs`. */
  readonly inFlight: number;
  clearRequests(): void;
  /**
   * Reloads the DLQ and forgets resumed runs. With no options the initial contents come back;
   * `entries`/`seed`/`now` regenerate, overriding the initial generation settings.
   */
  reset(options?: ResetOptions): void;
  inject(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  if (typeof options.token !== "string" || options.token === "")
    throw new TypeError("token must be a non-empty string");
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0))
    throw new RangeError("latencyMs must be a non-negative number");
  const host = options.host ?? "127.0.0.1";

  const generation = {
    entries: options.entries ?? DEFAULT_SEED_ENTRIES,
    seed: options.seed ?? DEFAULT_SEED,
    now: options.now ?? Date.now(),
  };
  const initialMessages = options.messages ? structuredClone(options.messages) : undefined;
  const initialContents = (): DlqMessage[] =>
    initialMessages ? structuredClone(initialMessages) : generateDlqMessages(generation);

  const store = new DlqStore(initialContents(), {
    quirks: { ...REALISTIC_QUIRKS, ...options.quirks },
    ...(options.refail ? { refail: options.refail } : {}),
    ...(options.delivery ? { delivery: options.delivery } : {}),
    ...(options.callbackRetriesFail ? { callbackRetriesFail: true } : {}),
  });
  const faults = new FaultInjector();
  const requests: RecordedRequest[] = [];
  const lifetime = new AbortController();

  const contentsFor = (opts: ResetOptions): DlqMessage[] => {
    if (opts.messages) return structuredClone(opts.messages);
    if (opts.entries === undefined && opts.seed === undefined && opts.now === undefined)
      return initialContents();
    return generateDlqMessages({
      entries: opts.entries ?? generation.entries,
      seed: opts.seed ?? generation.seed,
      now: opts.now ?? generation.now,
    });
  };
  const reset = (opts: ResetOptions = {}): void => {
    store.load(contentsFor(opts));
  };

  const state = (): EmulatorState => ({
    entries: store.size,
    resumed: store.resumed.length,
    requests: requests.length,
  });

  const ctx: HttpContext = {
    token: options.token,
    store,
    faults,
    requests,
    inFlight: 0,
    maxRecordedRequests: options.maxRecordedRequests ?? Number.POSITIVE_INFINITY,
    latencyMs,
    signal: lifetime.signal,
    state,
    reset,
  };
  const server = createServer(createRequestListener(ctx));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      lifetime.abort();
      store.close();
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive sockets would otherwise hold close() open until they time out.
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${formatHost(host)}:${port}`,
    port,
    store,
    requests,
    get resumed() {
      return store.resumed;
    },
    get inFlight() {
      return ctx.inFlight;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    reset,
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    close,
  };
}
