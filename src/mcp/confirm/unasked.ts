/**
 * The changes a session made without asking the user. Each change below `--confirm-over` goes
 * unasked, so without a running total a mass change could be sliced into small calls that are
 * never asked about. An operation that goes unasked reserves what it was counted at (it can act
 * on no more: its allowance caps it), and once the session's reservations would pass the
 * threshold, the next change asks. Only a session can keep this: over stateless HTTP every
 * request is a new server with nothing to add to (see the README's "Confirmation").
 */
import { randomBytes } from "node:crypto";

/** 72 random bits: unique among a session's operations, short enough to ride in a cursor. */
export function newOperationId(): string {
  return randomBytes(9).toString("base64url");
}

export class UnaskedTally {
  private reservedTotal = 0;
  /** Operations this session reserved for, by id: a continuation of one of them adds nothing. */
  private readonly operations = new Set<string>();

  /** Entries reserved so far. */
  get reserved(): number {
    return this.reservedTotal;
  }

  /** Whether `entries` more may still go unasked under `over`. */
  allows(entries: number, over: number): boolean {
    return this.reservedTotal + entries <= over;
  }

  /** A new unasked operation of `entries`: its id, to carry in its cursor. */
  reserve(entries: number): string {
    const operation = newOperationId();
    this.reservedTotal += entries;
    this.operations.add(operation);
    return operation;
  }

  /** A continuation of an operation this session did not start reserves what it has left. */
  adopt(operation: string, entries: number): void {
    if (this.operations.has(operation)) return;
    this.reservedTotal += entries;
    this.operations.add(operation);
  }

  knows(operation: string): boolean {
    return this.operations.has(operation);
  }
}

/** Why a change that is small on its own is asked about: said with the question. */
export function pastThreshold(alreadyUnasked: number, over: number): string {
  return `This session has already changed ${alreadyUnasked === 1 ? "1 entry" : `${alreadyUnasked} entries`} without asking, and together that is more than ${over}.`;
}
