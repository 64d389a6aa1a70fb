/**
 * flow_control_status and flow_control_update: watch a redrive drain through its flow-control
 * key's waitlist, and stop it (pause), let it go (resume) or change its pace (pin, unpin,
 * resetRate) without redeploying. QStash keeps the state; this server only asks and tells.
 */

import { fingerprint } from "../../engine/cursor.js";
import { type Answer, gateChange } from "../../mcp/confirm/ask.js";
import { errorInfo, fitting, plural, structuredResult, toolError } from "../../mcp/results.js";
import { defineTool, type ToolCall } from "../../mcp/tool.js";
import { SUMMARY_MAX_CHARS } from "../../policy.js";
import type { FlowKeyInfo } from "../../qstash/parse-flow.js";
import type { QueryParams } from "../../qstash/query.js";
import { quoted } from "../../quote.js";
import { keyUse } from "../shared/live-key.js";
import { type FlowControlUpdateArgs, flowControlStatusInput, flowControlUpdateInput } from "./input.js";
import { flowStatusOutput, flowUpdateOutput } from "./output.js";

/** Keys listed in one result at most; the count says how many there are. */
const LISTED_KEYS = 200;

export const flowControlStatusTool = defineTool({
  name: "flow_control_status",
  title: "Flow-control key status",
  description: `Watch a redrive: a flow-control key's waitlist (runs waiting to start), its configuration, and whether it is paused or pinned; all keys without key. Read-only.`,
  inputSchema: flowControlStatusInput,
  outputSchema: flowStatusOutput,
  annotations: {
    title: "Flow-control key status",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  plan: (args) => ({ mode: args.key === undefined ? "all" : "key", ...(args.key ? { key: args.key } : {}) }),
  run: async (planned: { mode: string; key?: string }, { scope, journal, context }) => {
    const attempted = await scope.attempt((context) =>
      planned.key === undefined
        ? scope.api.flowKeys(context)
        : scope.api.flowKey(planned.key, context).then((info) => (info ? [info] : [])),
    );
    if (!attempted.ok) {
      journal.outcome({ error: attempted.error.message });
      return {
        ...toolError(`Could not read flow control: ${attempted.error.message}`),
        structuredContent: { keys: [], count: 0, error: errorInfo(attempted.error) },
      };
    }
    const keys = attempted.value;
    journal.outcome({ keys: keys.length });
    if (planned.key !== undefined && keys.length === 0) {
      return toolError(
        `QStash knows no flow-control key "${planned.key}": a key exists once runs were sent under it. Call flow_control_status without key to list them.`,
      );
    }
    const described = keys.slice(0, LISTED_KEYS).map(describeKey);
    // Each key as the result lists it must fit the result's bound, however long the names.
    const listed = fitting(
      described.map(({ summary: _, ...key }) => key),
      context.policy.maxResultChars - SUMMARY_MAX_CHARS - 500,
    );
    const shown = described.slice(0, listed.length);
    const text =
      keys.length === 0
        ? "No flow-control keys."
        : `${shown
            .slice(0, 5)
            .map((key) => key.summary)
            .join("; ")}${keys.length > 5 ? `; and ${plural(keys.length - 5, "more key")}` : ""}.`;
    return structuredResult(text, {
      keys: listed,
      count: keys.length,
      ...(listed.length < keys.length ? { keysTruncated: true } : {}),
    });
  },
});

export const flowControlUpdateTool = defineTool({
  name: "flow_control_update",
  title: "Pause, resume or re-pace a flow-control key",
  description: `The stop button of a redrive: pause holds a key's waitlist (runs already resumed wait instead of hitting a downstream that fell over again), resume lets it go. pin fixes parallelism, rate and period (incoming messages cannot change them), unpin releases that, resetRate starts the rate period anew. Changes production traffic under the key.`,
  inputSchema: flowControlUpdateInput,
  outputSchema: flowUpdateOutput,
  annotations: {
    title: "Pause, resume or re-pace a flow-control key",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true,
  },
  plan: (args) => ({ mode: args.action, args }),
  run: async (planned, call) => {
    const { scope, journal } = call;
    const { key, action } = planned.args;
    const gate = await gateFlowChange(planned.args, call);
    if (!gate.proceed) return gate.result;
    const query: QueryParams =
      action === "pin"
        ? { parallelism: planned.args.parallelism, rate: planned.args.rate, period: planned.args.period }
        : action === "unpin"
          ? { parallelism: "true", rate: "true" }
          : {};
    const changed = await scope.attempt((context) => scope.api.changeFlowKey(key, action, query, context));
    if (!changed.ok) {
      journal.outcome({ error: changed.error.message });
      const unknown = changed.error.kind === "notFound";
      return {
        ...toolError(
          unknown
            ? `QStash knows no flow-control key "${key}": nothing changed. flow_control_status lists the keys.`
            : `${action} failed: ${changed.error.message}${changed.uncertain ? " It may have been applied: check with flow_control_status." : " Nothing changed."}`,
        ),
        structuredContent: {
          key,
          action,
          applied: false,
          error: errorInfo(changed.error),
          ...(journal.failed ? { journalIncomplete: true } : {}),
        },
      };
    }
    // QStash's 200 is not proof: its OpenAPI documents no 404 for these actions, so a typo'd key
    // may be answered 200 with nothing changed. The GET after it, which does answer 404, decides.
    const after = await scope.attempt((context) => scope.api.flowKey(key, context));
    if (after.ok && after.value === undefined) {
      journal.outcome({ key, action, applied: false, unknownKey: true });
      return {
        ...toolError(
          `QStash knows no flow-control key "${key}": nothing was ${DONE_WORD[action]} (QStash answered the request, but the key does not exist). flow_control_status lists the keys.`,
        ),
        structuredContent: {
          key,
          action,
          applied: false,
          ...(journal.failed ? { journalIncomplete: true } : {}),
        },
      };
    }
    const status = after.ok && after.value ? describeKey(after.value) : undefined;
    // The stop button must be seen to hold: a key that does not read paused after a pause says so.
    const unheld =
      after.ok && after.value && (action === "pause" || action === "resume")
        ? (after.value.isPaused ?? false) !== (action === "pause")
        : false;
    journal.outcome({ key, action, applied: true, ...(unheld ? { readBack: "not as asked" } : {}) });
    const { summary, ...shown } = status ?? { summary: "" };
    const readBack = !after.ok
      ? ` It could not be read back (${after.error.message}): check with flow_control_status.`
      : unheld
        ? ` But the key does not read ${action === "pause" ? "paused" : "released"} now: check with flow_control_status before relying on it.`
        : "";
    return structuredResult(`${DONE[action]} ${key}.${summary ? ` Now: ${summary}.` : ""}${readBack}`, {
      key,
      action,
      applied: true,
      ...(status ? { status: shown } : {}),
      ...(journal.failed ? { journalIncomplete: true } : {}),
    });
  },
});

/** What holds or re-paces production traffic when live traffic uses the key; resume only releases. */
const HURTS_LIVE_TRAFFIC = new Set(["pause", "pin", "unpin", "resetRate"]);

const DONE_WORD = {
  pause: "paused",
  resume: "resumed",
  pin: "pinned",
  unpin: "unpinned",
  resetRate: "reset",
} as const;

/**
 * A change to a key that live traffic may use (entries in the DLQ ran under it, or that could not
 * be read) is asked about first, with the reason in the question: pausing it, or fixing its pace,
 * holds production traffic too. A key no entry ran under, such as a fresh redrive's own, and
 * resume, which only releases, go unasked.
 */
async function gateFlowChange(args: FlowControlUpdateArgs, call: ToolCall): Promise<Answer> {
  const { key, action, confirm } = args;
  const unasked: Answer = { proceed: true, shown: { entries: 0, exact: true } };
  if (call.context.policy.confirmOver === undefined || !HURTS_LIVE_TRAFFIC.has(action)) return unasked;
  const use = await keyUse(key, undefined, call.scope);
  if (use.kind === "unused") return unasked;
  const pace =
    action === "pin" ? { parallelism: args.parallelism, rate: args.rate, period: args.period } : {};
  const what =
    action === "pin"
      ? `Pin flow-control key ${key} at ${paceWords(pace)}`
      : `${ASK_VERB[action]} flow-control key ${key}`;
  const effect =
    action === "pause"
      ? "holds production traffic under it too"
      : "changes production traffic's pace under it too";
  const why =
    use.kind === "unknown"
      ? `Could not tell whether live traffic uses this key (listing its DLQ entries failed: ${use.error}), and if it does this ${effect}.`
      : `Entries in the DLQ ran under it: live traffic may use this key (QStash cannot tell a redrive's own runs that failed again from live traffic's), so this ${effect}.`;
  return gateChange(
    {
      tool: "flow_control_update",
      binding: fingerprint(["flow_control_update", key, action, pace]),
      confirm,
      done: DONE_WORD[action],
      entries: 0,
      always: true,
      question: `${what}? ${why}`,
      preview: async () => {
        const now = await call.scope.attempt((context) => call.scope.api.flowKey(key, context));
        const status = now.ok && now.value ? describeKey(now.value) : undefined;
        const { summary: _, ...shown } = status ?? { summary: "" };
        return structuredResult(`${key} now: ${status?.summary ?? "unknown"}.`, {
          key,
          action,
          applied: false,
          ...(status ? { status: shown } : {}),
        });
      },
      declined: () =>
        structuredResult(`The user did not confirm: nothing was ${DONE_WORD[action]}.`, {
          key,
          action,
          applied: false,
          stopReason: "declined",
        }),
    },
    call,
  );
}

const ASK_VERB = {
  pause: "Pause",
  resume: "Resume",
  pin: "Pin",
  unpin: "Unpin",
  resetRate: "Reset the rate period of",
} as const;

function paceWords(pace: {
  parallelism?: number | undefined;
  rate?: number | undefined;
  period?: number | undefined;
}): string {
  return [
    pace.rate === undefined ? "" : `rate ${pace.rate} per ${pace.period ?? 1}s`,
    pace.parallelism === undefined ? "" : `parallelism ${pace.parallelism}`,
    pace.rate === undefined && pace.period !== undefined ? `period ${pace.period}s` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

const DONE = {
  pause: "Paused",
  resume: "Resumed delivery for",
  pin: "Pinned the configuration of",
  unpin: "Unpinned",
  resetRate: "Reset the rate period of",
} as const;

/**
 * A key as a result lists it, and the line that says it in words, the key quoted as QStash sent it.
 * A limit QStash reports as unset (absent or 0) is "no limit": its `max` is null, never 0.
 */
function describeKey(info: FlowKeyInfo) {
  const parts = [`key ${quoted(info.key, 130)}: ${plural(info.waitlistSize, "run")} waiting`];
  if (info.isPaused) parts.push("paused");
  const running = info.parallelismCount > 0 ? ` (${info.parallelismCount} running)` : "";
  if (info.rateMax === undefined && info.parallelismMax === undefined) {
    parts.push(`no limit${running}`);
  } else {
    parts.push(
      info.rateMax === undefined
        ? "no rate limit"
        : // A rate's period defaults to 1s (upstash/docs workflow/basics/client/dlq/resume.mdx).
          `rate ${info.rateMax}/${info.ratePeriod ?? 1}s (${info.rateCount} this period)`,
      info.parallelismMax === undefined
        ? `no parallelism limit${running}`
        : `parallelism ${info.parallelismMax} (${info.parallelismCount} running)`,
    );
  }
  if (info.isPinnedParallelism || info.isPinnedRate) parts.push("pinned");
  return {
    key: info.key,
    waitlistSize: info.waitlistSize,
    paused: info.isPaused,
    parallelism: { max: info.parallelismMax ?? null, running: info.parallelismCount },
    rate: {
      max: info.rateMax ?? null,
      thisPeriod: info.rateCount,
      ...(info.rateMax === undefined || info.ratePeriod === undefined
        ? {}
        : { periodSeconds: info.ratePeriod }),
    },
    ...(info.isPinnedParallelism || info.isPinnedRate
      ? { pinned: { parallelism: info.isPinnedParallelism, rate: info.isPinnedRate } }
      : {}),
    summary: parts.join(", "),
  };
}
