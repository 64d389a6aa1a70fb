/**
 * The tool calls in flight in this process, so a shutdown (stdin closing, SIGTERM, the HTTP
 * drain) can tell them to start no new page, wait for the requests already sent to be answered
 * and journaled, and only then close the journal and exit.
 */
import { setMaxListeners } from "node:events";
import type { JSONRPCMessage, RequestId, Transport } from "@modelcontextprotocol/server";

export interface ActiveCall {
  /** Aborted when the process starts shutting down: the call finishes its page and returns. */
  readonly stopping: AbortSignal;
  end(): void;
}

export class CallTracker {
  private readonly active = new Set<{ resolve?: () => void }>();
  private readonly shutdown = new AbortController();

  constructor() {
    // Every call in flight listens for the shutdown: more than the default ten at once is normal.
    setMaxListeners(0, this.shutdown.signal);
  }
  private readonly idle: (() => void)[] = [];

  /** True once shutdown began: new calls are refused or stop at once. */
  get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  begin(): ActiveCall {
    const entry = {};
    this.active.add(entry);
    return {
      stopping: this.shutdown.signal,
      end: () => {
        if (!this.active.delete(entry)) return;
        if (this.active.size === 0) for (const resolve of this.idle.splice(0)) resolve();
      },
    };
  }

  /**
   * Tells every call to start nothing new, then waits until all have returned or `graceMs` has
   * passed. Resolves true when every call ended in time.
   */
  async settle(graceMs: number): Promise<boolean> {
    this.shutdown.abort();
    if (this.active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      new Promise<true>((resolve) => this.idle.push(() => resolve(true))),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return ended;
  }
}

/**
 * Requests that stay open for the connection's life, answered only when it closes: a shutdown
 * that waited for them would always wait out its grace.
 */
const OPEN_ENDED = new Set(["subscriptions/listen"]);

/**
 * Counts every request a transport received and has not yet answered as a call in flight, so a
 * shutdown waits for the answer (and the journal lines written before it) even where no tool
 * handler tracks the call itself; and calls `onClosed` when the transport closes. The transport's
 * handlers become accessors, so whatever installs its own handlers later, and however, still
 * passes through here.
 */
export function trackRequests(
  transport: Transport,
  calls: CallTracker | undefined,
  onClosed?: () => void,
): void {
  const open = new Map<RequestId, ActiveCall>();
  const finish = (id: RequestId | undefined) => {
    if (id === undefined) return;
    open.get(id)?.end();
    open.delete(id);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    // Ended as the answer is handed over, not when it is flushed: a client that stopped reading
    // must not hold the shutdown for the whole grace period.
    if (isAnswer(message)) finish(message.id);
    return send(message, options);
  };
  const onMessage = (message: JSONRPCMessage) => {
    if ("method" in message && "id" in message && !open.has(message.id)) {
      if (calls && !OPEN_ENDED.has(message.method)) open.set(message.id, calls.begin());
    } else if ("method" in message && message.method === "notifications/cancelled") {
      // A cancelled request gets no answer.
      finish((message.params as { requestId?: RequestId } | undefined)?.requestId);
    }
  };
  const onClose = () => {
    // Nothing is answered on a closed transport.
    for (const call of open.values()) call.end();
    open.clear();
  };
  let onmessage = transport.onmessage;
  let onclose = transport.onclose;
  Object.defineProperties(transport, {
    onmessage: {
      configurable: true,
      get: () => (message: JSONRPCMessage, extra?: unknown) => {
        onMessage(message);
        (onmessage as ((message: JSONRPCMessage, extra?: unknown) => void) | undefined)?.(message, extra);
      },
      set: (handler: Transport["onmessage"]) => {
        onmessage = handler;
      },
    },
    onclose: {
      configurable: true,
      get: () => () => {
        onClose();
        onclose?.();
        onClosed?.();
      },
      set: (handler: Transport["onclose"]) => {
        onclose = handler;
      },
    },
  });
}

function isAnswer(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return "id" in message && message.id !== undefined && ("result" in message || "error" in message);
}
