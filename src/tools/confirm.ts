/**
 * Confirmation before large changes. The first call of an operation that would act on more than
 * `confirmOver` entries, or on all of them, first sizes its selection, then asks the person
 * behind the agent: through form elicitation where the client declares it (in band on
 * 2026-07-28, as a request on a 2025 session), otherwise by returning the preview with a signed
 * `confirm` token that the next call passes back. A cursor continues an operation that was
 * already cleared, so it is never asked about again.
 */
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type InputRequiredResult,
  inputRequired,
} from "@modelcontextprotocol/server";
import { ACTIONS } from "../dlq/actions.js";
import { fingerprint } from "../dlq/cursor.js";
import { countSelection } from "../dlq/preview.js";
import type { DlqFilter } from "../dlq/request.js";
import type { ResumePlan } from "../dlq/resume.js";
import type { Where } from "../dlq/where.js";
import { quoted } from "../quote.js";
import { previewResume } from "./dry-run.js";
import type { ResumePlanned } from "./plan.js";
import { inWordsOf, type ResumeResult } from "./result-schemas.js";
import { clip, plural, structuredResult, toolError } from "./results.js";
import type { ToolCall } from "./tool.js";

/** The key of the one question a call asks, in `inputRequests` and `inputResponses`. */
const QUESTION = "confirm";
/** Counting stops here: past it, "at least" is all a question needs to say. */
const COUNT_AT_MOST = 1_000;
const COUNT_PAGES = 20;

const ANSWER_SCHEMA = {
  type: "object" as const,
  properties: {
    confirm: {
      type: "boolean" as const,
      title: "Go ahead",
      description: "Check to make the change; leave unchecked to change nothing.",
    },
  },
  required: ["confirm"],
};

/**
 * What the call does once asked: go on, or return this instead. A confirmed filter or all goes on
 * bounded by `until`, when the user was asked: a replayed yes covers only what they were shown
 * the count of, never entries that entered the DLQ since (such as runs that failed again).
 */
export type Gate =
  | { proceed: true; until?: number }
  | { proceed: false; result: CallToolResult | InputRequiredResult };

const PROCEED: Gate = { proceed: true };

/** Goes on, bounded by when the question was asked (ids need no bound: the list is the selection). */
function confirmedAt(planned: ResumePlanned, askedAt: number): Gate {
  return planned.mode === "ids" ? PROCEED : { proceed: true, until: askedAt };
}

export async function confirmGate(
  tool: string,
  planned: ResumePlanned,
  call: ToolCall,
  /** Said with the question, so the user weighs them before answering. */
  warnings: readonly string[] = [],
): Promise<Gate> {
  const { context, extra, journal } = call;
  const over = context.policy.confirmOver;
  const signer = context.confirmations;
  if (over === undefined || !signer || planned.dryRun || planned.resume.continuation) return PROCEED;
  const action = ACTIONS[planned.resume.action];
  const binding = bindingOf(planned);

  if (planned.confirm !== undefined) {
    const check = signer.check(planned.confirm, binding, "confirm");
    if (check.ok) {
      journal.confirmation({ by: "token", entries: check.entries });
      return confirmedAt(planned, check.issuedAt);
    }
    return { proceed: false, result: toolError(TOKEN_PROBLEMS[check.why](tool)) };
  }

  const answer = extra.mcpReq.inputResponses?.[QUESTION];
  if (answer !== undefined) {
    const state = extra.mcpReq.requestState?.();
    const check = typeof state === "string" ? signer.check(state, binding, "question") : undefined;
    if (!check?.ok) {
      return {
        proceed: false,
        result: toolError(
          `The confirmation came back for other arguments, or too late: nothing was ${action.done}. Call ${tool} again to be asked anew.`,
        ),
      };
    }
    if (accepted(answer)) {
      journal.confirmation({ by: "elicitation", entries: check.entries });
      return confirmedAt(planned, check.issuedAt);
    }
    journal.outcome({ stopReason: "declined" });
    return { proceed: false, result: declined(planned) };
  }

  const askedAt = Date.now();
  const size = await sizeOf(planned.resume, call);
  if (size.error && size.entries === 0) {
    return {
      proceed: false,
      result: toolError(
        `Could not tell how many entries this would change: ${size.error.message} Nothing was ${action.done}; call again.`,
      ),
    };
  }
  const everything = planned.mode === "all";
  // Only a count that read the whole selection may let a call go unasked.
  if (!size.more && (size.entries === 0 || (!everything && size.entries <= over))) return PROCEED;

  const question = clip([questionFor(planned, size), ...warnings].join(" "), 1_000);
  const elicitation = clientCapabilities(call)?.elicitation;
  if (elicitation && formSupported(elicitation)) {
    if (extra.mcpReq.envelope !== undefined) {
      // 2026-07-28: the question travels in the result; the client retries with the answer and
      // this state, which any replica can check.
      return {
        proceed: false,
        result: inputRequired({
          inputRequests: {
            [QUESTION]: inputRequired.elicit({ message: question, requestedSchema: ANSWER_SCHEMA }),
          },
          requestState: signer.issue(binding, "question", size.entries, askedAt).token,
        }),
      };
    }
    if (context.runLists && extra.mcpReq.elicitInput) {
      // A 2025 session: the question is a request to the client, answered on the same connection.
      try {
        const ask = extra.mcpReq.elicitInput;
        // The user's thinking time is not the call's: its deadline waits with them.
        const reply = await call.scope.whileWaiting(() =>
          ask(
            { mode: "form", message: question, requestedSchema: ANSWER_SCHEMA },
            { signal: extra.mcpReq.signal },
          ),
        );
        if (accepted(reply)) {
          journal.confirmation({ by: "elicitation", entries: size.entries });
          return confirmedAt(planned, askedAt);
        }
        journal.outcome({ stopReason: "declined" });
        return { proceed: false, result: declined(planned) };
      } catch {
        // The client could not ask after all: the token path below still lets the user decide.
      }
    }
  }

  const confirmation = signer.issue(binding, "confirm", size.entries, askedAt);
  const preview = await previewResume(planned, call);
  if (preview.isError) return { proceed: false, result: preview };
  const data = preview.structuredContent as Record<string, unknown>;
  const until = new Date(confirmation.expiresAt).toISOString();
  const text = `${question} Nothing was ${action.done}: ask the user, and only if they agree call ${tool} again with the same arguments and confirm: "${confirmation.token}" (valid until ${until}). The preview below shows what would be ${action.done}.`;
  journal.outcome({ stopReason: "unconfirmed", entries: size.entries, confirmExpiresAt: until });
  return {
    proceed: false,
    result: structuredResult(text, {
      ...data,
      stopReason: "unconfirmed",
      complete: false,
      confirm: confirmation.token,
      confirmExpiresAt: until,
    }),
  };
}

/** What a confirmation binds: the tool, the selection and every option that changes the outcome. */
function bindingOf(planned: ResumePlanned): string {
  const { flowControl, retries, label } = planned.resume.options;
  return fingerprint([
    planned.selection,
    flowControl ? Object.entries(flowControl).sort(([a], [b]) => (a < b ? -1 : 1)) : null,
    retries ?? null,
    label ?? null,
  ]);
}

const TOKEN_PROBLEMS = {
  malformed: (tool: string) =>
    `confirm must be the token a result of ${tool} returned, passed exactly as given; nothing was changed.`,
  forged: (tool: string) =>
    `This confirm token was not issued by this deployment of the server; nothing was changed. Call ${tool} without confirm to get a new one.`,
  expired: (tool: string) =>
    `This confirm token has expired; nothing was changed. Call ${tool} again without confirm, and ask the user again.`,
  otherCall: (tool: string) =>
    `This confirm token confirms other arguments (a different selection or options); nothing was changed. Call ${tool} without confirm to be asked about these.`,
};

async function sizeOf(plan: ResumePlan, call: ToolCall) {
  if (plan.selection.mode === "ids") {
    const entries = plan.selection.dlqIds.length;
    return { entries, more: false, scanned: entries };
  }
  const filter = plan.selection.mode === "filter" ? plan.selection.filter : undefined;
  return countSelection(filter, plan.where, COUNT_AT_MOST, COUNT_PAGES, call.scope);
}

/** "Delete 312 DLQ entries matching label=billing, status 4xx?" */
function questionFor(
  planned: ResumePlanned,
  size: { entries: number; more: boolean; scanned: number },
): string {
  const plan = planned.resume;
  const action = ACTIONS[plan.action];
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

/** The user's values quoted: they may have been copied from the DLQ, line breaks and all. */
function describeFilter(filter: DlqFilter): string {
  return Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quoted(Array.isArray(value) ? value.join("|") : String(value), 82)}`)
    .join(", ");
}

function describeWhere(where: Where): string {
  return [
    where.responseStatus ? `status ${where.responseStatus.join(" or ")}` : "",
    where.responseBodyContains ? `body containing ${quoted(where.responseBodyContains, 82)}` : "",
    where.failedStepUrl ? `step URL starting ${quoted(where.failedStepUrl, 82)}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
}

function clientCapabilities(call: ToolCall): ClientCapabilities | undefined {
  const declared = call.extra.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY];
  if (declared && typeof declared === "object") return declared as ClientCapabilities;
  return call.server.server.getClientCapabilities();
}

/** An empty elicitation capability means form mode, as the specification has it. */
function formSupported(elicitation: NonNullable<ClientCapabilities["elicitation"]>): boolean {
  const modes = elicitation as { form?: unknown; url?: unknown };
  return modes.form !== undefined || modes.url === undefined;
}

function accepted(reply: unknown): boolean {
  const { action, content } = (reply ?? {}) as { action?: unknown; content?: { confirm?: unknown } };
  return action === "accept" && content?.confirm === true;
}

function declined(planned: ResumePlanned): CallToolResult {
  const action = ACTIONS[planned.resume.action];
  const result: ResumeResult = {
    mode: planned.mode,
    workflowRuns: [],
    resumed: 0,
    pages: 0,
    complete: false,
    stopReason: "declined",
  };
  return structuredResult(
    `The user did not confirm: nothing was ${action.done}. Ask what they want changed before calling again.`,
    inWordsOf(action, result),
  );
}
