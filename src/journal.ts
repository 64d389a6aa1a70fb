/**
 * The audit journal: append-only JSON Lines, one line per QStash request about to be sent, one
 * per answer and one per call outcome. Each line is written with a synchronous append, so a
 * process killed mid-run leaves an exact record of every request it sent and every answer it
 * received. Nothing secret goes in: every line passes through the redactor on its way out.
 * The path "-" is standard output, where a shared deployment's platform collects its logs (only
 * over HTTP: in stdio mode stdout is the JSON-RPC channel).
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Caller } from "./auth/caller.js";
import type { Logger } from "./log.js";
import type { RequestRecord, SendingRecord } from "./qstash/api.js";
import { NO_SECRET, type Redactor } from "./redact.js";

/** The journal path that means standard output. */
export const JOURNAL_TO_STDOUT = "-";
const STDOUT_FD = 1;
/** How long one line waits for a full pipe (stdout) to take it. */
const FULL_PIPE_PATIENCE_MS = 2_000;
/** A cell to sleep on between tries: Atomics.wait blocks without spinning. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

export function defaultJournalPath(env: NodeJS.ProcessEnv = process.env): string {
  const stateHome = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(stateHome, "workflow-dlq-mcp", "journal.jsonl");
}

export interface CallJournal {
  /** Right before a request goes out: if the process dies waiting, the line says it may have happened. */
  sending(record: SendingRecord): void;
  request(record: RequestRecord): void;
  outcome(outcome: Record<string, unknown>): void;
  /** The user's yes to a large change, and how it was given, before the call acts. */
  confirmation(record: Record<string, unknown>): void;
  /** Lines of this call that are not in the journal. */
  readonly lostLines: number;
  /** True when the journal misses any line of this call, so its result can say so. */
  readonly failed: boolean;
}

export interface JournalOptions {
  /** Applied to every line; the QStash client's, so no form of the token is written. */
  redactor?: Redactor;
}

const NOT_JOURNALED: CallJournal = Object.freeze({
  sending: () => {},
  request: () => {},
  outcome: () => {},
  confirmation: () => {},
  lostLines: 0,
  failed: false,
});

interface CallState {
  callId: string;
  lost: number;
  /** A failure of this call is already on stderr. */
  reported: boolean;
  /** Every line of the call passes through it: the process's secrets and the caller's token. */
  redactor: Redactor;
}

export class Journal {
  private fd: number | undefined;
  private closed = false;
  /** Lines lost since the journal last wrote one. */
  private failing = 0;
  /** A write stopped partway through a line; the next line must start on a line of its own. */
  private torn = false;
  /** The last line was lost to a pipe that stayed full. */
  private stalled = false;
  private lost = 0;
  private readonly redactor: Redactor;

  constructor(
    readonly path: string | undefined,
    private readonly log: Logger,
    options: JournalOptions = {},
  ) {
    this.redactor = options.redactor ?? NO_SECRET;
  }

  private get where(): string {
    return this.path === JOURNAL_TO_STDOUT ? "stdout" : (this.path as string);
  }

  /** Lines this process could not write, over all calls. */
  get lostLines(): number {
    return this.lost;
  }

  /**
   * Opens the record of one tool call; every line it writes carries the call's id and, with
   * sign-in, who called. `options.redactor` is the call's own, which also knows the caller's token.
   */
  startCall(
    tool: string,
    mode: string,
    args: unknown,
    options: { caller?: Caller; redactor?: Redactor } = {},
  ): CallJournal {
    if (!this.path) return NOT_JOURNALED;
    const redactor = options.redactor ?? this.redactor;
    const call = {
      callId: randomBytes(6).toString("hex"),
      tool,
      mode,
      ...(options.caller ? { caller: options.caller } : {}),
    };
    const state: CallState = { callId: call.callId, lost: 0, reported: false, redactor };
    // Arguments are scrubbed before they are cut short, so no prefix of the token survives a cut.
    const scrubbed = redactor.deep(args);
    this.append({ type: "call", ...call, args: sanitize(scrubbed) }, state);
    // Every request line carries the arguments too, so one line reads on its own; long lists are
    // shortened there, the call line keeps them whole.
    const brief = sanitize(scrubbed, 20);
    return {
      sending: (record) => this.append({ type: "sending", ...call, args: brief, ...record }, state),
      request: (record) => this.append({ type: "request", ...call, args: brief, ...record }, state),
      outcome: (outcome) => this.append({ type: "outcome", ...call, ...outcome }, state),
      confirmation: (record) => this.append({ type: "confirmation", ...call, ...record }, state),
      get lostLines() {
        return state.lost;
      },
      get failed() {
        return state.lost > 0;
      },
    };
  }

  /**
   * Close it only once the calls in flight have settled: calls still finishing after that write
   * nothing more (their lines count as lost), a closed journal stays closed.
   */
  close(): void {
    this.closed = true;
    this.release();
  }

  private append(entry: Record<string, unknown>, state: CallState): void {
    if (this.closed) {
      state.lost += 1;
      return;
    }
    const line = `${this.torn ? "\n" : ""}${state.redactor.text(JSON.stringify({ at: new Date().toISOString(), ...entry }))}\n`;
    try {
      if (this.fd === undefined) {
        if (this.path === JOURNAL_TO_STDOUT) {
          this.fd = STDOUT_FD;
        } else {
          mkdirSync(dirname(this.path as string), { recursive: true, mode: 0o700 });
          this.fd = openSync(this.path as string, "a", 0o600);
        }
      }
      this.writeAll(this.fd, Buffer.from(line, "utf8"));
    } catch (error) {
      // An unwritable journal must not stop an incident response, nor stay off after a passing
      // failure (a full disk, a remounted volume): the next line reopens the file and tries again.
      this.release();
      this.lost += 1;
      this.failing += 1;
      state.lost += 1;
      if (!state.reported) {
        state.reported = true;
        this.log.log(
          "error",
          `The journal at ${this.where} cannot be written (${(error as Error).message}): call ${state.callId} has lines missing from it. Each next line tries again.`,
        );
      }
      return;
    }
    if (this.failing > 0) {
      this.log.log(
        "warning",
        `The journal at ${this.where} is written again, after ${this.failing} lost ${this.failing === 1 ? "line" : "lines"}.`,
      );
      this.failing = 0;
    }
  }

  private writeAll(fd: number, data: Buffer): void {
    let offset = 0;
    // A pipe that is full for a moment (stdout read by a slow collector) is waited for, so the
    // line still goes out whole before the next request; one that stays full costs a line, not
    // the server: once a wait ran out, lines are tried once each until one goes through.
    const waitUntil = Date.now() + (this.stalled ? 0 : FULL_PIPE_PATIENCE_MS);
    try {
      while (offset < data.length) {
        try {
          offset += writeSync(fd, data, offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EAGAIN" || Date.now() >= waitUntil) throw error;
          Atomics.wait(PAUSE, 0, 0, 1);
        }
      }
      this.torn = false;
      this.stalled = false;
    } catch (error) {
      if (offset > 0) this.torn = true;
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") this.stalled = true;
      throw error;
    }
  }

  private release(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined || fd === STDOUT_FD) return;
    try {
      closeSync(fd);
    } catch {
      // The descriptor is gone either way.
    }
  }
}

/** Arguments as the call received them, with long strings (and, if asked, long lists) cut short. */
function sanitize(value: unknown, maxItems = Number.POSITIVE_INFINITY): unknown {
  if (typeof value === "string") return value.length > 512 ? `${value.slice(0, 512)}…` : value;
  if (Array.isArray(value)) {
    const items = value.slice(0, maxItems).map((item) => sanitize(item, maxItems));
    return value.length > maxItems ? [...items, `…and ${value.length - maxItems} more`] : items;
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, sanitize(item, maxItems)]));
  }
  return value;
}
