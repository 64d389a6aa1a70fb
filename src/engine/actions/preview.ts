/**
 * What an action would select, without acting: for ids, which are in the DLQ; for a filter or
 * all, the matching entries (of `where`, when given) found within the page bound. Only GET requests are sent.
 */
import type { QStashError } from "../../qstash/errors.js";
import type { DlqFilter } from "../../qstash/request.js";
import { type DlqMessage, MAX_LIST_COUNT } from "../../wire/types.js";
import { type ListReport, type ListSink, runList } from "../list.js";
import { lookUpIds } from "../lookup.js";
import type { CallScope } from "../scope.js";
import type { Where } from "../where.js";

export interface IdPreview {
  found: DlqMessage[];
  notFound: string[];
}

export async function previewIds(dlqIds: readonly string[], scope: CallScope): Promise<IdPreview> {
  const found = await lookUpIds(dlqIds, scope);
  if (!(found instanceof Map)) throw found;
  const preview: IdPreview = { found: [], notFound: [] };
  for (const id of dlqIds) {
    const message = found.get(id);
    if (message) preview.found.push(message);
    else preview.notFound.push(id);
  }
  return preview;
}

/** The list endpoint with the action's filter: the largest page, as many pages as the bound allows. */
export function previewSelection(
  filter: DlqFilter | undefined,
  where: Where | undefined,
  maxPages: number,
  scope: CallScope,
  sink: ListSink,
  count = MAX_LIST_COUNT,
): Promise<ListReport> {
  return runList(
    { ...(filter ? { filter } : {}), ...(where ? { where } : {}), count, maxPages },
    scope,
    sink,
  );
}

export interface SelectionSize {
  /** Matching entries counted, at most `atMost`. */
  entries: number;
  /** More may match than were counted: the count stopped at its bound or on an error. */
  more: boolean;
  /** Entries read, matching or not. */
  scanned: number;
  error?: QStashError;
}

/**
 * How many entries a filter (and where) selects, counted up to `atMost` and within `maxPages`
 * list pages: enough to tell a small change from a large one, without reading a large DLQ whole.
 */
export async function countSelection(
  filter: DlqFilter | undefined,
  where: Where | undefined,
  atMost: number,
  maxPages: number,
  scope: CallScope,
): Promise<SelectionSize> {
  let entries = 0;
  const listed = await runList(
    { ...(filter ? { filter } : {}), ...(where ? { where } : {}), count: MAX_LIST_COUNT, maxPages },
    scope,
    {
      add: () => {
        if (entries >= atMost) return false;
        entries += 1;
        return true;
      },
    },
  );
  return {
    entries,
    more: listed.continuation !== undefined,
    scanned: listed.scanned,
    ...(listed.error ? { error: listed.error } : {}),
  };
}
