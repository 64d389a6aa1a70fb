/** The seeded DLQ the end-to-end tests run against, reproducible from its options. */
import { generateDlqMessages } from "../../src/emulator/seed.js";
import { TOOLS, toolsFor } from "../../src/tools/index.js";
import type { DlqMessage } from "../../src/wire/types.js";

export const FIXED_NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
export const SEED_OPTIONS = { entries: 120, seed: 7, now: FIXED_NOW } as const;

export function seededMessages(options: { entries?: number; seed?: number } = {}): DlqMessage[] {
  return generateDlqMessages({ ...SEED_OPTIONS, ...options });
}

export function sortedIds(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

/** The server matches a label against `label` and every entry of `labels`. */
export function hasLabel(message: DlqMessage, label: string): boolean {
  return message.label === label || Boolean(message.labels?.includes(label));
}

/** Every tool a full server offers, sorted: what a client listing them must see. */
export const TOOL_NAMES: readonly string[] = TOOLS.map((tool) => tool.name).sort();

/** The tools annotated read-only, sorted: what read-only mode keeps and `--help` names. */
export const READ_ONLY_TOOL_NAMES: readonly string[] = toolsFor({ readOnly: true })
  .map((tool) => tool.name)
  .sort();

/** The tool names a text mentions, sorted, each read whole (dlq_resume_all does not name dlq_resume). */
export function toolNamesIn(text: string): string[] {
  return [...new Set(text.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? [])].sort();
}

/**
 * The seed a property test replays: the one named in `variable` when set, a fixed one under CI
 * (so a landing never hinges on a draw), none otherwise (local runs explore new ones).
 */
export function replaySeed(variable: string, fixed = 20_261_128): number | undefined {
  const named = process.env[variable];
  if (named !== undefined) return Number(named);
  return process.env.CI ? fixed : undefined;
}
