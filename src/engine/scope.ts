/**
 * One call scope for every tool: the deadline and its cut-off, the caller's cancellation, the
 * shutdown notice, retries and the journal's view of each request. Runners ask it whether a
 * new page may start and send every request through it, so every tool obeys the same bounds.
 */
import { setMaxListeners } from "node:events";
import type { QStashApi, RequestContext, RequestRecord, SendingRecord } from "../qstash/api.js";
import type { QStashError } from "../qstash/errors.js";
import { type Attempted, type RetryPolicy, withRetries } from "./retry.js";

export type StopReason =
  | "done"
  | "maxPages"
  | "maxRuns"
  | "resultSize"
  | "deadline"
  | "shutdown"
  | "cancelled"
  | "error";

/** How long a request in flight at the deadline may still take before it is cut off. */
export const DEADLINE_CUTOFF_MS = 2_000;

/**
 * What stops whatever a finished call left in flight or waiting. Made once: every call ends with
 * it, and a fresh error's stack trace would cost each call more than the rest of its scope.
 */
const CALL_OVER = new DOMException("The call is over.", "AbortError");

export interface ScopeJournal {
  sending?(record: SendingRecord): void;
  request(record: RequestRecord): void;
}

export interface ScopeOptions {
  api: QStashApi;
  retry: RetryPolicy;
  /** No new page starts after this many milliseconds. */
  deadlineMs: number;
  /** Requests still in flight this long after the deadline are aborted. */
  cutoffMs?: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Aborted when the process shuts down: finish the page in flight, start no other. */
  stopping?: AbortSignal;
  journal?: ScopeJournal;
  onRetry?: (info: { attempt: number; delayMs: number; error: QStashError }) => void;
}

export class CallScope {
  readonly api: QStashApi;
  private deadlineAtMs: number;
  private readonly cutoffMs: number;
  /**
   * Aborts requests in flight: only at the cut-off, or once the scope is disposed. A cancelled
   * call or a shutdown lets the request already sent finish, so its runs are reported.
   */
  readonly signal: AbortSignal;
  private readonly retry: RetryPolicy;
  private readonly requestsController = new AbortController();
  /**
   * Ends retry waits early: cancellation, shutdown, the cut-off, dispose. Made by the first wait
   * (most calls never wait), already aborted if any of those came first.
   */
  private wakeController: AbortController | undefined;
  /** The cut-off came, or the scope was disposed: a wait made after it ends at once. */
  private woken = false;
  private readonly caller: AbortSignal | undefined;
  private readonly stopping: AbortSignal | undefined;
  private readonly journal: ScopeJournal | undefined;
  private readonly onRetry: ScopeOptions["onRetry"];
  // A plain timer held by the scope: an AbortSignal.timeout() combined with AbortSignal.any() can
  // be garbage-collected before it fires on Node 20, and the cut-off would come late or never.
  private cutoff: NodeJS.Timeout;
  private unlisten: (() => void) | undefined;

  constructor(options: ScopeOptions) {
    this.api = options.api;
    this.retry = options.retry;
    this.caller = options.signal;
    this.stopping = options.stopping;
    this.journal = options.journal;
    this.onRetry = options.onRetry;
    this.deadlineAtMs = Date.now() + options.deadlineMs;
    this.cutoffMs = options.cutoffMs ?? DEADLINE_CUTOFF_MS;
    this.signal = this.requestsController.signal;
    // Every request in flight listens on this signal; a window of batches and their lookups is more
    // than the default ten listeners.
    setMaxListeners(0, this.signal);
    this.cutoff = setTimeout(() => this.abortAll(), options.deadlineMs + this.cutoffMs);
  }

  /** The signal that ends retry waits early (see `wakeController`). */
  private get wake(): AbortSignal {
    if (this.wakeController) return this.wakeController.signal;
    const controller = new AbortController();
    this.wakeController = controller;
    // Every retry wait listens on the wake signal.
    setMaxListeners(0, controller.signal);
    if (this.woken || this.caller?.aborted || this.stopping?.aborted) {
      controller.abort();
      return controller.signal;
    }
    const wake = () => controller.abort();
    for (const signal of [this.caller, this.stopping])
      signal?.addEventListener("abort", wake, { once: true });
    this.unlisten = () => {
      for (const signal of [this.caller, this.stopping]) signal?.removeEventListener("abort", wake);
    };
    return controller.signal;
  }

  /** No new page starts after this time, Unix milliseconds. */
  get deadlineAt(): number {
    return this.deadlineAtMs;
  }

  /**
   * Waits on the person behind the client (a question before a large change): that time is not
   * the call's to spend, so the deadline and its cut-off move on by as long as the wait took.
   */
  async whileWaiting<T>(wait: () => Promise<T>): Promise<T> {
    clearTimeout(this.cutoff);
    const started = Date.now();
    try {
      return await wait();
    } finally {
      this.deadlineAtMs += Date.now() - started;
      if (!this.requestsController.signal.aborted) {
        this.cutoff = setTimeout(
          () => this.abortAll(),
          Math.max(0, this.deadlineAtMs - Date.now() + this.cutoffMs),
        );
      }
    }
  }

  /** True when the caller cancelled the call. */
  get cancelled(): boolean {
    return this.caller?.aborted ?? false;
  }

  /** Why no new page (or attempt) may start now, if anything forbids it. */
  halted(): "cancelled" | "shutdown" | "deadline" | undefined {
    if (this.cancelled) return "cancelled";
    if (this.signal.aborted) return "deadline";
    if (this.stopping?.aborted) return "shutdown";
    if (Date.now() >= this.deadlineAt) return "deadline";
    return undefined;
  }

  /**
   * Why a call whose request failed with `error` stops: the error itself, or, when the request was
   * stopped, the cancellation, shutdown or cut-off that stopped it.
   */
  stopReasonFor(error: QStashError): StopReason {
    if (error.kind !== "aborted") return "error";
    const halt = this.halted();
    return halt === "cancelled" || halt === "shutdown" ? halt : "deadline";
  }

  /** What a request sent in this scope carries: the abort signal and the journal's hooks. */
  get requests(): RequestContext {
    return {
      signal: this.signal,
      onSending: (record) => this.journal?.sending?.(record),
      onRequest: (record) => this.journal?.request(record),
    };
  }

  /**
   * One request with the scope's retries. `ambiguousIsFinal` stops at the first failure that the
   * server may have processed: repeating a bulk request by cursor would act on the next entries
   * while the lost answer's runs stay unreported, and repeating a failure-callback retry could run
   * the callback twice.
   */
  attempt<T>(
    send: (context: RequestContext) => Promise<T>,
    options: { ambiguousIsFinal?: boolean } = {},
  ): Promise<Attempted<T>> {
    const scope = this;
    return withRetries(() => send(this.requests), this.retry, {
      signal: this.signal,
      // Read only when a retry waits.
      get wake() {
        return scope.wake;
      },
      deadlineAt: this.deadlineAt,
      mayRetry: () => !this.cancelled && !this.stopping?.aborted,
      ...(this.onRetry ? { onRetry: this.onRetry } : {}),
      ambiguousIsFinal: options.ambiguousIsFinal ?? false,
    });
  }

  /** The call is over: anything still in flight or waiting is stray, and is stopped. */
  dispose(): void {
    clearTimeout(this.cutoff);
    this.unlisten?.();
    this.abortAll(CALL_OVER);
  }

  private abortAll(reason?: unknown): void {
    this.woken = true;
    this.wakeController?.abort(reason);
    this.requestsController.abort(reason);
  }
}
