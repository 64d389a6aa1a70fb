/**
 * Which of some dlqIds are in the DLQ, by one GET each, a few at a time: after a 404 on a batch,
 * after a batch's answer was lost, and for a dry run.
 */
import { QStashError } from "../qstash/errors.js";
import { plainOrQuoted } from "../quote.js";
import type { DlqMessage } from "../wire/types.js";
import { mapWithConcurrency } from "./concurrency.js";
import type { CallScope } from "./scope.js";

/** Lookups in flight at once, per caller. */
const LOOKUP_CONCURRENCY = 8;

/** Each id's entry (undefined when it is not in the DLQ), or the failure that stopped the lookups. */
export async function lookUpIds(
  ids: readonly string[],
  scope: CallScope,
): Promise<Map<string, DlqMessage | undefined> | QStashError> {
  const found = new Map<string, DlqMessage | undefined>();
  try {
    await mapWithConcurrency(ids, LOOKUP_CONCURRENCY, async (id) => {
      // A cancelled or stopping call starts no more lookups.
      const halt = scope.halted();
      if (halt)
        throw new QStashError("aborted", `Stopped (${halt}) before looking up ${plainOrQuoted(id, 64)}.`, {
          surelyNotProcessed: true,
        });
      const lookup = await scope.attempt((context) => scope.api.get(id, context));
      if (!lookup.ok) throw lookup.error;
      found.set(id, lookup.value);
    });
  } catch (error) {
    return error as QStashError;
  }
  return found;
}
