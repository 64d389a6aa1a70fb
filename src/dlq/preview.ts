/**
 * What a resume would select, without resuming: for ids, which are in the DLQ; for a filter or
 * all, the matching entries found within the page bound. Only GET requests are sent.
 */
import type { DlqMessage } from "../wire/types.js";
import { mapWithConcurrency } from "./concurrency.js";
import { type ListReport, type ListSink, runList } from "./list.js";
import type { DlqFilter } from "./request.js";
import type { CallScope } from "./scope.js";

export interface IdPreview {
  found: DlqMessage[];
  notFound: string[];
}

export async function previewIds(dlqIds: readonly string[], scope: CallScope): Promise<IdPreview> {
  const preview: IdPreview = { found: [], notFound: [] };
  const results = await mapWithConcurrency(dlqIds, 8, async (id) => {
    const outcome = await scope.attempt((context) => scope.api.get(id, context));
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  });
  dlqIds.forEach((id, index) => {
    const message = results[index];
    if (message) preview.found.push(message);
    else preview.notFound.push(id);
  });
  return preview;
}

/** The list endpoint with the resume's filter: the largest page, as many pages as the bound allows. */
export function previewSelection(
  filter: DlqFilter | undefined,
  maxPages: number,
  scope: CallScope,
  sink: ListSink,
): Promise<ListReport> {
  return runList({ ...(filter ? { filter } : {}), count: 100, maxPages }, scope, sink);
}
