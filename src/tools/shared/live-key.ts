/**
 * Whether live traffic may use a flow-control key: entries in the DLQ ran under it. QStash takes a
 * key's configuration from the messages that arrive under it unless the key is pinned, so a
 * redrive under such a key sets production's pace too, and pausing or re-pacing it holds
 * production traffic. Nothing QStash answers tells a redrive's own runs that failed again from
 * live traffic's failures (a label can be claimed by anyone), so any entry under the key counts,
 * and a listing that cannot be read counts as well: the check fails closed.
 */
import type { CallScope } from "../../engine/scope.js";
import { MAX_LIST_COUNT } from "../../wire/types.js";

export type KeyUse =
  | { kind: "unused" }
  /** `ownLabel`: every entry read carries the redrive's label (likely its own, never proven). */
  | { kind: "used"; ownLabel: boolean }
  | { kind: "unknown"; error: string };

export async function keyUse(key: string, label: string | undefined, scope: CallScope): Promise<KeyUse> {
  // Without a label any entry says it; with one, a page is read to word what it found.
  const count = label === undefined ? 1 : MAX_LIST_COUNT;
  const listed = await scope.attempt((context) =>
    scope.api.list({ flowControlKey: key }, { count }, context),
  );
  if (!listed.ok) return { kind: "unknown", error: listed.error.message };
  const { messages } = listed.value;
  if (messages.length === 0) return { kind: "unused" };
  return {
    kind: "used",
    ownLabel: label !== undefined && messages.every((message) => message.label === label),
  };
}

/** The warning a redrive under the key carries, said before anything is done; none for an unused key. */
export function keyWarning(key: string, use: KeyUse): string | undefined {
  switch (use.kind) {
    case "unused":
      return undefined;
    case "unknown":
      return `Could not tell whether live traffic uses flow-control key ${key} (listing its DLQ entries failed: ${use.error}), so this is treated as live traffic's key.`;
    case "used":
      return use.ownLabel
        ? `Entries in the DLQ ran under flow-control key ${key}, all with this redrive's label: most likely its own runs that failed again, but QStash cannot tell them from live traffic's, so it is treated as live traffic's key.`
        : `Entries in the DLQ ran under flow-control key ${key}: live traffic uses it, and a redrive under it sets that key's pace for production too (QStash takes a key's configuration from incoming messages unless it is pinned). Prefer a key of the redrive's own, such as ${key}-redrive-1.`;
  }
}
