/**
 * Whether live traffic uses a flow-control key: entries in the DLQ ran under it. QStash takes a
 * key's configuration from the messages that arrive under it unless the key is pinned, so a
 * redrive under such a key sets production's pace too, and pausing or re-pacing it holds
 * production traffic. A redrive's own runs that failed again carry its key as well; with the
 * redrive's label they are told apart, and a key whose entries all carry it is the redrive's own.
 */
import type { CallScope } from "../dlq/scope.js";
import { MAX_LIST_COUNT } from "../wire/types.js";

export async function liveTrafficUses(
  key: string,
  label: string | undefined,
  scope: CallScope,
): Promise<boolean> {
  // Without a label any entry says it; with one, a page is read to find one that lacks it.
  const count = label === undefined ? 1 : MAX_LIST_COUNT;
  const listed = await scope.attempt((context) =>
    scope.api.list({ flowControlKey: key }, { count }, context),
  );
  if (!listed.ok || listed.value.messages.length === 0) return false;
  return label === undefined || listed.value.messages.some((message) => message.label !== label);
}
