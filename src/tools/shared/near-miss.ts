/**
 * When a filter matches nothing, what the DLQ does hold that is close to it: a label in another
 * case, a workflow URL given as a path, on another host, or with a trailing slash. Read-only and
 * bounded: a couple of list pages, and only while the call has time left.
 */
import { runList } from "../../engine/list.js";
import type { CallScope } from "../../engine/scope.js";
import { plural } from "../../mcp/results.js";
import type { DlqFilter } from "../../qstash/request.js";
import { quoted } from "../../quote.js";
import { labelsOf } from "./compact.js";

const PAGES = 2;
const HINTS = 5;

export async function nearMissesFor(filter: DlqFilter, scope: CallScope): Promise<string[]> {
  const asked = {
    labels: [filter.label ?? []].flat(),
    urls: [filter.workflowUrl ?? []].flat(),
  };
  if (asked.labels.length === 0 && asked.urls.length === 0) return [];
  const { label: _label, workflowUrl: _url, ...rest } = filter;
  const labels = new Map<string, number>();
  const urls = new Map<string, number>();
  // A failed or cut-short listing just means fewer hints.
  await runList(
    { ...(Object.keys(rest).length ? { filter: rest } : {}), count: 100, maxPages: PAGES },
    scope,
    {
      add: (message) => {
        for (const label of labelsOf(message)) labels.set(label, (labels.get(label) ?? 0) + 1);
        if (message.workflowUrl) urls.set(message.workflowUrl, (urls.get(message.workflowUrl) ?? 0) + 1);
        return true;
      },
    },
  );
  // The DLQ's values and the caller's are quoted alike: either can hold a line break or orders.
  const hints: string[] = [];
  for (const wanted of asked.labels) {
    for (const [label, count] of labels) {
      if (label !== wanted && label.toLowerCase() === wanted.toLowerCase()) {
        hints.push(
          `label ${quoted(label, 102)} (${plural(count, "entry", "entries")}) differs from ${quoted(wanted, 102)} only in case`,
        );
      }
    }
  }
  for (const wanted of asked.urls) {
    for (const [url, count] of urls) {
      const why = urlNearMiss(wanted, url);
      if (why) hints.push(`workflowUrl ${quoted(url, 202)} (${plural(count, "entry", "entries")}) ${why}`);
    }
  }
  return hints.slice(0, HINTS);
}

/** Why `url` is close to the `wanted` workflow URL, or undefined when it is not. */
function urlNearMiss(wanted: string, url: string): string | undefined {
  if (url === wanted) return undefined;
  if (url.toLowerCase() === wanted.toLowerCase()) return "differs only in case";
  if (url.replace(/\/+$/, "") === wanted.replace(/\/+$/, "")) return "differs only in a trailing slash";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const path = `${parsed.pathname}${parsed.search}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(wanted)) {
    // A path alone: workflowUrl is matched against the whole URL.
    return path === wanted ||
      path === `/${wanted}` ||
      path.endsWith(wanted.startsWith("/") ? wanted : `/${wanted}`)
      ? "has that path: workflowUrl must be the whole URL"
      : undefined;
  }
  try {
    const other = new URL(wanted);
    if (other.host !== parsed.host && `${other.pathname}${other.search}` === path)
      return "has the same path on another host";
  } catch {
    return undefined;
  }
  return undefined;
}
