/**
 * The action tools' confirmation gate. The first call of an operation that would act on more
 * than `confirmOver` entries, or on all of them, is asked about (`ask.ts` says how). Whatever the
 * answer, the gate's decision is the decision that runs: a filter or all is sized inside a
 * snapshot taken by QStash's clock, and the operation is then held to that snapshot and to the
 * count (an unasked or exactly counted one acts on no more entries than were counted). Within a
 * session the unasked changes add up (`unasked.ts`), so a mass change cannot be sliced into small
 * unasked calls. A cursor carries what was allowed: a continuation goes on within it, and one
 * whose operation was not asked about still counts toward the session's unasked changes.
 */
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import type { ActionPlan } from "../../engine/actions/plan.js";
import { countSelection, type SelectionSize } from "../../engine/actions/preview.js";
import { fingerprint } from "../../engine/cursor.js";
import { readSnapshot, withinSnapshot } from "../../engine/snapshot.js";
import { answerOnCall, askUser, canElicit, QUESTION_MAX_CHARS } from "../../mcp/confirm/ask.js";
import type { Shown } from "../../mcp/confirm/token.js";
import { newOperationId, pastThreshold } from "../../mcp/confirm/unasked.js";
import { clip, plural, structuredResult, toolError } from "../../mcp/results.js";
import type { ToolCall } from "../../mcp/tool.js";
import type { DlqFilter } from "../../qstash/request.js";
import { describeFilter, describeWhere } from "../shared/describe.js";
import type { ActionPlanned, Allowed } from "../shared/plan.js";
import { previewResume } from "./dry-run.js";
import type { ActionResult } from "./output.js";
import { inWordsOf, spoken } from "./words.js";

/** Counting stops here: past it, "at least" is all a question needs to say. */
const COUNT_AT_MOST = 1_000;
const COUNT_PAGES = 20;

/** What the operation may do, as its cursor will carry it; a snapshot for filter and all. */
export interface Grant extends Allowed {
  until?: number;
}

/**
 * What the call does: go on within the grant (none when no gate applies: a dry run, or changes
 * never asked about), or return this instead.
 */
export type Gate =
  | { proceed: true; grant?: Grant }
  | { proceed: false; result: CallToolResult | InputRequiredResult };

const PROCEED: Gate = { proceed: true };

export async function confirmGate(
  tool: string,
  planned: ActionPlanned,
  call: ToolCall,
  /** Said with the question, so the user weighs them before answering. */
  warnings: readonly string[] = [],
): Promise<Gate> {
  const { context } = call;
  const over = context.policy.confirmOver;
  if (over === undefined || !context.confirmations) return PROCEED;
  if (planned.dryRun) {
    // The preview is the question: where the real call would be asked with a token, a dry run of
    // it hands out that token beside its preview, so preview and act take two calls. Where the
    // client can ask the user itself, the real call asks, and the dry run is only a preview.
    if (planned.allowed || planned.confirm !== undefined || canElicit(call)) return PROCEED;
  } else if (planned.allowed) return continuing(tool, planned, planned.allowed, call, over);
  const action = spoken(planned.plan.action);
  const binding = bindingOf(planned);
  const expiresAt = Date.now() + context.policy.operationLifetimeMs;

  const answered = planned.dryRun
    ? undefined
    : answerOnCall(tool, binding, planned.confirm, action.done, call, () => declined(planned));
  if (answered) {
    return answered.proceed ? { proceed: true, grant: confirmed(answered.shown, expiresAt) } : answered;
  }

  const sized = await sizeOf(planned.plan, call);
  if ("error" in sized) {
    return {
      proceed: false,
      result: toolError(
        `Could not tell how many entries this would change: ${sized.error.message} Nothing was ${action.done}; call again.`,
      ),
    };
  }
  const { size, until } = sized;
  const shown: Shown = {
    entries: size.entries,
    exact: !size.more,
    ...(until === undefined ? {} : { snapshot: until }),
  };
  const tally = context.unasked;
  const alreadyUnasked = tally?.reserved ?? 0;
  // A redrive under a key live traffic may use changes production's pace: asked whatever its size.
  const small =
    !size.more &&
    (size.entries === 0 ||
      (warnings.length === 0 && planned.mode !== "all" && alreadyUnasked + size.entries <= over));
  if (small && planned.dryRun) return PROCEED;
  if (small) {
    // Unasked: capped at what was counted, and counted toward the session's unasked changes.
    const operation = tally ? tally.reserve(size.entries) : newOperationId();
    return {
      proceed: true,
      grant: {
        confirmed: false,
        allowance: size.entries,
        operation,
        expiresAt,
        ...(until === undefined ? {} : { until }),
      },
    };
  }
  const slicing =
    !size.more &&
    warnings.length === 0 &&
    planned.mode !== "all" &&
    size.entries <= over &&
    alreadyUnasked > 0
      ? pastThreshold(alreadyUnasked, over)
      : "";
  const ask = (counted: SelectionSize) =>
    clip([questionFor(planned, counted), slicing, ...warnings].filter(Boolean).join(" "), QUESTION_MAX_CHARS);
  const text = ask(size);
  const answer = await askUser(
    {
      tool,
      binding,
      shown,
      text,
      done: action.done,
      dryRun: planned.dryRun,
      preview: () => previewResume(planned, call, until),
      // The count stops early; a preview reads further. The question then says what the preview
      // found, and the token carries that: the question and its preview never disagree.
      agreeWith: (preview) => {
        const read = (
          preview.structuredContent as { preview?: { matched: number; matchedIsLowerBound: boolean } }
        ).preview;
        if (!size.more || read === undefined || read.matched <= size.entries) return undefined;
        const counted = { entries: read.matched, more: read.matchedIsLowerBound, scanned: read.matched };
        return {
          shown: { ...shown, entries: read.matched, exact: !read.matchedIsLowerBound },
          text: ask(counted),
        };
      },
      declined: () => declined(planned),
    },
    call,
  );
  return answer.proceed ? { proceed: true, grant: confirmed(answer.shown, expiresAt) } : answer;
}

/** A confirmed operation: held to its snapshot, and to its count when that count was exact. */
function confirmed(shown: Shown, expiresAt: number): Grant {
  return {
    confirmed: true,
    operation: newOperationId(),
    expiresAt,
    ...(shown.exact ? { allowance: shown.entries } : {}),
    ...(shown.snapshot === undefined ? {} : { until: shown.snapshot }),
  };
}

/**
 * A continuation goes on within what its cursor says was allowed. One that was not asked about
 * counts toward this session's unasked changes: once when the session started it, or, for a
 * cursor from elsewhere, with what it has left when it first comes here.
 */
function continuing(
  tool: string,
  planned: ActionPlanned,
  allowed: Allowed,
  call: ToolCall,
  over: number,
): Gate {
  const { operations } = call.context;
  // A cursor passed back again after the operation went on must not bring back what it has used.
  const allowance =
    allowed.allowance === undefined || allowed.operation === undefined
      ? allowed.allowance
      : operations.allowanceOf(allowed.operation, allowed.allowance);
  const grant: Grant = {
    ...allowed,
    ...(allowance === undefined ? {} : { allowance }),
    ...(planned.plan.continuation?.until === undefined ? {} : { until: planned.plan.continuation.until }),
  };
  const done = spoken(planned.plan.action).done;
  if (allowance === 0) {
    return {
      proceed: false,
      result: toolError(
        `This operation already changed every entry it was allowed to; nothing was ${done}. What is left entered the DLQ since: call ${tool} again without cursor to size it (a large change is asked about first).`,
      ),
    };
  }
  if (allowed.confirmed) return { proceed: true, grant };
  const { operation } = allowed;
  if (allowance === undefined || operation === undefined) {
    return {
      proceed: false,
      result: toolError(
        `This cursor was handed out where changes are not asked about, and here they are: nothing was ${done}. Call ${tool} again without cursor; a large change is asked about first.`,
      ),
    };
  }
  const tally = call.context.unasked;
  if (!tally || tally.knows(operation)) return { proceed: true, grant };
  if (!tally.allows(allowance, over)) {
    return {
      proceed: false,
      result: toolError(
        `This cursor continues an operation that was not asked about, and this session has already changed ${plural(tally.reserved, "entry", "entries")} without asking: nothing was ${done}. Call ${tool} again without cursor to be asked.`,
      ),
    };
  }
  tally.adopt(operation, allowance);
  return { proceed: true, grant };
}

/** What a confirmation binds: the tool, the selection and every option that changes the outcome. */
function bindingOf(planned: ActionPlanned): string {
  return fingerprint([planned.selection, planned.options]);
}

/**
 * How many entries the operation would change. A filter or all is counted inside a snapshot taken
 * first, by QStash's clock, and the operation then runs inside that same snapshot: what arrives
 * while it is counted or asked about is neither counted nor acted on.
 */
async function sizeOf(
  plan: ActionPlan,
  call: ToolCall,
): Promise<{ size: SelectionSize; until?: number } | { error: { message: string } }> {
  if (plan.selection.mode === "ids") {
    const entries = plan.selection.dlqIds.length;
    return { size: { entries, more: false, scanned: entries } };
  }
  const filter: DlqFilter = plan.selection.mode === "filter" ? plan.selection.filter : {};
  const snapshot = await readSnapshot(filter, call.scope);
  if (!snapshot.ok) return { error: snapshot.error };
  const { until } = snapshot;
  if (snapshot.empty) return { size: { entries: 0, more: false, scanned: 0 }, until };
  const size = await countSelection(
    withinSnapshot(filter, until),
    plan.where,
    COUNT_AT_MOST,
    COUNT_PAGES,
    call.scope,
  );
  if (size.error && size.entries === 0) return { error: size.error };
  return { size, until };
}

/** "Delete 312 DLQ entries matching label=billing, status 4xx?" */
function questionFor(
  planned: ActionPlanned,
  size: { entries: number; more: boolean; scanned: number },
): string {
  const plan = planned.plan;
  const action = spoken(plan.action);
  const count = !size.more
    ? plural(size.entries, "DLQ entry", "DLQ entries")
    : size.entries > 0
      ? `at least ${plural(size.entries, "DLQ entry", "DLQ entries")} (counting stopped after ${size.scanned.toLocaleString("en")} read)`
      : `an unknown number of DLQ entries (none among the first ${size.scanned.toLocaleString("en")} read)`;
  const selection =
    plan.selection.mode === "ids"
      ? " by id"
      : plan.selection.mode === "all"
        ? plan.where
          ? " from the whole DLQ"
          : " (the whole DLQ)"
        : ` matching ${describeFilter(plan.selection.filter)}`;
  const narrowed = plan.where ? ` with ${describeWhere(plan.where)}` : "";
  const pace = plan.options.flowControl
    ? `, paced under flow-control key ${plan.options.flowControl.key}`
    : action.answers === "runs"
      ? ", with no flow control"
      : "";
  const effect =
    action.name === "delete"
      ? " They will not run, and this cannot be undone."
      : action.name === "restart"
        ? " Each runs again from its first step."
        : " Each runs again from its failed step.";
  const verb = `${action.verb.charAt(0).toUpperCase()}${action.verb.slice(1)}`;
  return clip(`${verb} ${count}${selection}${narrowed}${pace}?${effect}`, 600);
}

function declined(planned: ActionPlanned): CallToolResult {
  const action = spoken(planned.plan.action);
  const result: ActionResult = {
    mode: planned.mode,
    workflowRuns: [],
    changed: 0,
    pages: 0,
    complete: false,
    stopReason: "declined",
  };
  return structuredResult(
    `The user did not confirm: nothing was ${action.done}. Ask what they want changed before calling again.`,
    inWordsOf(action, result),
  );
}
