/**
 * How the four action tools speak of what they did. The engine and the result schema use neutral
 * names (`changed`, `probablyChanged`, `workflowRuns`); this table maps them back to each
 * action's own words, so `dlq_restart` reports `restarted` and `dlq_delete` lists `deletedIds`,
 * and every output field, journal key and cursor stays as clients know it.
 */
import { ACTIONS, type Action, type ActionName } from "../../qstash/actions.js";

export interface ActionWords {
  /** "resumed", "Resumed", "resuming", "resume". */
  done: string;
  Done: string;
  doing: string;
  verb: string;
  /** The result field that lists what the call changed, and what one item of it is called. */
  listKey: "workflowRuns" | "deletedIds";
  unit: "run" | "entry";
  units: "runs" | "entries";
}

export const WORDS = {
  resume: {
    done: "resumed",
    Done: "Resumed",
    doing: "resuming",
    verb: "resume",
    listKey: "workflowRuns",
    unit: "run",
    units: "runs",
  },
  restart: {
    done: "restarted",
    Done: "Restarted",
    doing: "restarting",
    verb: "restart",
    listKey: "workflowRuns",
    unit: "run",
    units: "runs",
  },
  delete: {
    done: "deleted",
    Done: "Deleted",
    doing: "deleting",
    verb: "delete",
    listKey: "deletedIds",
    unit: "entry",
    units: "entries",
  },
} as const satisfies Record<ActionName, ActionWords>;

/** An action with the words its tool speaks: what the tools of this folder pass around. */
export type SpokenAction = Action & ActionWords;

export function spoken(name: ActionName): SpokenAction {
  return { ...ACTIONS[name], ...WORDS[name] };
}

/** A neutral result field → the action's own: `changed` → `restarted`, `workflowRuns` → `deletedIds`. */
export function renameKey(key: string, words: ActionWords): string {
  if (key === "changed") return words.done;
  if (key === "probablyChanged") return `probably${words.Done}`;
  if (key.startsWith("workflowRuns")) return `${words.listKey}${key.slice("workflowRuns".length)}`;
  return key;
}

/** A result with neutral field names → as the action's tool presents it. */
export function inWordsOf(words: ActionWords, result: object): Record<string, unknown> {
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) renamed[renameKey(key, words)] = value;
  return renamed;
}

/** A description written with `{done}`, `{Done}`, `{doing}` and `{verb}` → in the action's words. */
export function inWords(template: string, words: ActionWords): string {
  return template
    .replaceAll("{done}", words.done)
    .replaceAll("{Done}", words.Done)
    .replaceAll("{doing}", words.doing)
    .replaceAll("{verb}", words.verb);
}
