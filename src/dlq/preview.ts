/**
 * What a resume would select, without resuming: for ids, which are in the DLQ; for a filter or
 * all, the matching entries found within the page bound. Only GET requests are sent.
 */
import type { DlqMessage } from "../wire/types.js";
import { mapWithConcurrency } from "./concurrency.js";
import { type ListReport, runList } from "./list.js";
import type { DlqFilter } from "./request.js";
import type { RunContext } from "./resume.js";
import { withRetries } from "./retry.js";

export interface IdPreview {
  found: DlqMessage[];
  notFound: string[];
}

export async function previewIds(dlqIds: string[], context: Omit<RunContext, "onPage">): Promise<IdPreview> {
  const preview: IdPreview = { found: [], notFound: [] };
  const results = await mapWithConcurrency(dlqIds, 8, async (id) => {
    const outcome = await withRetries(
      () => context.api.get(id, { signal: context.signal, onRequest: context.onRequest }),
      context.retry,
      context,
    );
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
  context: Omit<RunContext, "onPage">,
): Promise<ListReport> {
  return runList({ filter, count: 100, maxPages }, context);
}
