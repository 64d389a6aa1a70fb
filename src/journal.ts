/**
 * The audit journal: append-only JSON Lines, one line per QStash request and one per call
 * outcome. Each line is written with a synchronous append, so a process killed mid-run leaves an
 * exact record of every answer it received. Nothing secret goes in: arguments never hold the
 * token, and error texts are already scrubbed of it.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { RequestRecord } from "./dlq/api.js";
import type { Logger } from "./log.js";

export function defaultJournalPath(env: NodeJS.ProcessEnv = process.env): string {
  const stateHome = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(stateHome, "workflow-dlq-mcp", "journal.jsonl");
}

export interface CallJournal {
  request(record: RequestRecord): void;
  outcome(outcome: Record<string, unknown>): void;
}

export class Journal {
  private fd: number | undefined;
  private failed = false;
  private closed = false;

  constructor(
    readonly path: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Opens the record of one tool call; every line it writes carries the call's id. */
  startCall(tool: string, mode: string, args: unknown): CallJournal {
    const call = { callId: randomBytes(6).toString("hex"), tool, mode };
    if (!this.path) return { request: () => {}, outcome: () => {} };
    this.append({ type: "call", ...call, args: sanitize(args) });
    // Every request line carries the arguments too, so one line reads on its own; long lists are
    // shortened there, the call line keeps them whole.
    const brief = sanitize(args, 20);
    return {
      request: (record) => this.append({ type: "request", ...call, args: brief, ...record }),
      outcome: (outcome) => this.append({ type: "outcome", ...call, ...outcome }),
    };
  }

  /** Calls still finishing after shutdown write nothing more: a closed journal stays closed. */
  close(): void {
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(entry: Record<string, unknown>): void {
    if (!this.path || this.failed || this.closed) return;
    try {
      if (this.fd === undefined) {
        mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
        this.fd = openSync(this.path, "a", 0o600);
      }
      writeSync(this.fd, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
    } catch (error) {
      // An unwritable journal must not stop an incident response; say so once, loudly.
      this.failed = true;
      this.log.log(
        "error",
        `The journal at ${this.path} cannot be written (${(error as Error).message}); journaling is off.`,
      );
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
