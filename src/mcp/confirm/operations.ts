/**
 * What this process remembers of the changes it allowed, so that a yes is spent once and an
 * operation's allowance cannot be replayed: the confirm tokens already used, and how many entries
 * each operation may still change. Tokens and cursors are sealed and can be checked by any
 * replica, but a sealed value can be passed back twice; this is what refuses the second time.
 * It is one process's memory: replicas behind a load balancer do not share it (the README says
 * what that leaves open), and it forgets what has expired.
 */

/** Remembered at most; past it the oldest is forgotten first. */
const MAX_REMEMBERED = 10_000;

export class OperationLedger {
  /** Spent tokens by their signature, with when they stop mattering (Unix ms). */
  private readonly spent = new Map<string, number>();
  /** What each operation may still change, and when its cursors stop being honoured. */
  private readonly allowances = new Map<string, { left: number; until: number }>();

  /** Spends a token: false when it was spent before. */
  spend(token: string, until: number, now = Date.now()): boolean {
    this.forget(now);
    if (this.spent.has(token)) return false;
    remember(this.spent, token, until);
    return true;
  }

  /** What the operation may still change: the least of what its cursor says and what is known here. */
  allowanceOf(operation: string, fromCursor: number, now = Date.now()): number {
    this.forget(now);
    const known = this.allowances.get(operation);
    return known === undefined ? fromCursor : Math.min(known.left, fromCursor);
  }

  record(operation: string, left: number, until: number, now = Date.now()): void {
    this.forget(now);
    const known = this.allowances.get(operation);
    remember(this.allowances, operation, { left: Math.min(left, known?.left ?? left), until });
  }

  private forget(now: number): void {
    for (const [token, until] of this.spent) if (until < now) this.spent.delete(token);
    for (const [operation, { until }] of this.allowances) if (until < now) this.allowances.delete(operation);
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
