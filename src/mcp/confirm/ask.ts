/**
 * Asking the person behind the agent before a change, for any tool that changes something: the
 * action tools, failure-callback retries and flow-control changes on live traffic's key. Where the
 * client declares form elicitation it is asked in the call (in band on 2026-07-28, as a request on
 * a 2025 session); otherwise the result carries a preview and a signed `confirm` token that the
 * next call passes back. What decides *whether* to ask, and what the question says, belongs to
 * the tool; how it is asked and how an answer is checked lives here, once.
 */
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type InputRequiredResult,
  inputRequired,
} from "@modelcontextprotocol/server";
import { describeCaller } from "../../auth/caller.js";
import { clip, structuredResult, toolError } from "../results.js";
import type { ToolCall } from "../tool.js";
import { CLOCK_SKEW_TOLERANCE_MS, callerKey, type Shown } from "./token.js";
import { pastThreshold } from "./unasked.js";

/** A question's words at most, warnings and who asked included. */
export const QUESTION_MAX_CHARS = 1_000;

/** The key of the one question a call asks, in `inputRequests` and `inputResponses`. */
const QUESTION = "confirm";

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

export interface Question {
  tool: string;
  /** Fingerprint of the tool, its selection and every option that changes the outcome. */
  binding: string;
  /** What the user is shown: the count, whether it is exact, the snapshot it was taken in. */
  shown: Shown;
  /** The question in words, warnings included; already within its bound. */
  text: string;
  /** The past participle of the change, for "nothing was …": "resumed", "paused". */
  done: string;
  /**
   * The call is itself a dry run: its preview is the question, and the token it hands out is for
   * the same arguments without `dryRun`.
   */
  dryRun?: boolean;
  /** What the token path returns beside the token: a dry run of the change. */
  preview(): Promise<CallToolResult>;
  /**
   * The question again once the preview has read further than the count did, so the two agree:
   * what the user is shown, and the words. Undefined: the question stands as it is.
   */
  agreeWith?(preview: CallToolResult): { shown: Shown; text: string } | undefined;
  /** What a "no" returns. */
  declined(): CallToolResult;
}

/** Go ahead with what the user agreed to, or return this instead. */
export type Answer =
  | { proceed: true; shown: Shown }
  | { proceed: false; result: CallToolResult | InputRequiredResult };

/**
 * An agreement the call already carries: a confirm token the agent passed back, or (2026-07-28)
 * the user's answer beside the question's signed state. Undefined: the call carries none.
 */
export function answerOnCall(
  tool: string,
  binding: string,
  confirm: string | undefined,
  done: string,
  call: ToolCall,
  declined: () => CallToolResult,
): Answer | undefined {
  const { context, extra, journal } = call;
  const signer = context.confirmations;
  if (!signer) return undefined;
  if (confirm !== undefined) {
    const check = signer.check(confirm, binding, "confirm", Date.now(), keyOf(call));
    if (!check.ok) return { proceed: false, result: toolError(TOKEN_PROBLEMS[check.why](tool)) };
    // A yes covers one operation: passed back again, it would redo the change (a callback runs
    // twice, a key is paused again) or act anew on entries that turned up since.
    if (!context.operations.spend(confirm, check.expiresAt + CLOCK_SKEW_TOLERANCE_MS)) {
      return { proceed: false, result: toolError(TOKEN_PROBLEMS.spent(tool)) };
    }
    journal.confirmation({ by: "token", entries: check.entries });
    return { proceed: true, shown: shownOf(check) };
  }
  const answer = extra.mcpReq.inputResponses?.[QUESTION];
  if (answer === undefined) return undefined;
  const state = extra.mcpReq.requestState?.();
  const check =
    typeof state === "string" ? signer.check(state, binding, "question", Date.now(), keyOf(call)) : undefined;
  const fresh =
    check?.ok === true &&
    context.operations.spend(state as string, check.expiresAt + CLOCK_SKEW_TOLERANCE_MS);
  if (!check?.ok || !fresh) {
    return {
      proceed: false,
      result: toolError(
        `The confirmation came back for other arguments, or too late: nothing was ${done}. Call ${tool} again to be asked anew.`,
      ),
    };
  }
  if (accepted(answer)) {
    journal.confirmation({ by: "elicitation", entries: check.entries });
    return { proceed: true, shown: shownOf(check) };
  }
  journal.outcome({ stopReason: "declined" });
  return { proceed: false, result: declined() };
}

/** Asks: by elicitation where the client can answer, otherwise with a preview and a token. */
export async function askUser(question: Question, call: ToolCall): Promise<Answer> {
  const { context, extra, journal } = call;
  const signer = context.confirmations;
  if (!signer) return { proceed: true, shown: question.shown };
  const caller = keyOf(call);
  if (canElicit(call)) {
    if (extra.mcpReq.envelope !== undefined) {
      // 2026-07-28: the question travels in the result; the client retries with the answer and
      // this state, which any replica can check.
      return {
        proceed: false,
        result: inputRequired({
          inputRequests: {
            [QUESTION]: inputRequired.elicit({
              message: askedBy(question.text, call),
              requestedSchema: ANSWER_SCHEMA,
            }),
          },
          requestState: signer.issue(question.binding, "question", question.shown, Date.now(), caller).token,
        }),
      };
    }
    if (extra.mcpReq.elicitInput) {
      // A 2025 session: the question is a request to the client, answered on the same connection.
      try {
        const ask = extra.mcpReq.elicitInput;
        // The user's thinking time is not the call's: its deadline waits with them.
        const reply = await call.scope.whileWaiting(() =>
          ask(
            { mode: "form", message: askedBy(question.text, call), requestedSchema: ANSWER_SCHEMA },
            { signal: extra.mcpReq.signal },
          ),
        );
        if (accepted(reply)) {
          journal.confirmation({ by: "elicitation", entries: question.shown.entries });
          return { proceed: true, shown: question.shown };
        }
        journal.outcome({ stopReason: "declined" });
        return { proceed: false, result: question.declined() };
      } catch {
        // The client could not ask after all: the token path below still lets the user decide.
      }
    }
  }

  const preview = await question.preview();
  if (preview.isError) return { proceed: false, result: preview };
  const agreed = question.agreeWith?.(preview);
  const shown = agreed?.shown ?? question.shown;
  const asked = askedBy(agreed?.text ?? question.text, call);
  const confirmation = signer.issue(question.binding, "confirm", shown, Date.now(), caller);
  const data = preview.structuredContent as Record<string, unknown>;
  const until = new Date(confirmation.expiresAt).toISOString();
  const text = question.dryRun
    ? `Dry run: ${asked} Nothing was ${question.done}. This change needs the user's yes: ask them, and only if they agree call ${question.tool} again with the same arguments, without dryRun, and with confirm: "${confirmation.token}" (valid until ${until}). The preview below shows what would be ${question.done}.`
    : `${asked} Nothing was ${question.done}: ask the user, and only if they agree call ${question.tool} again with the same arguments and confirm: "${confirmation.token}" (valid until ${until}). The preview below shows what would be ${question.done}.`;
  journal.outcome({
    stopReason: "unconfirmed",
    entries: shown.entries,
    confirmExpiresAt: until,
    ...(question.dryRun ? { dryRun: true } : {}),
  });
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

export interface Change {
  tool: string;
  binding: string;
  /** The agent's confirm token, when it passed one. */
  confirm: string | undefined;
  done: string;
  /** DLQ entries the change touches, for the threshold and the session's tally (0 for none). */
  entries: number;
  /** Ask whatever the count: the change can hurt production (live traffic's flow-control key). */
  always: boolean;
  /** The count is a lower bound (more match than one call reaches); exact when absent. */
  atLeast?: boolean;
  /** The snapshot the entries were counted in: a yes is held to it. */
  snapshot?: number;
  /** A dry run: never counted toward the tally; where the change would be asked by token, the token comes with its preview. */
  dryRun?: boolean;
  question: string;
  preview(): Promise<CallToolResult>;
  declined(): CallToolResult;
}

/**
 * The gate of a change outside the action engine (failure-callback retries, flow-control
 * changes): asked about when it must always be, when it touches more than `--confirm-over`
 * entries, or when the session's unasked changes would pass that; otherwise counted toward them.
 */
export async function gateChange(change: Change, call: ToolCall): Promise<Answer> {
  const shown: Shown = {
    entries: change.entries,
    exact: change.atLeast !== true,
    ...(change.snapshot === undefined ? {} : { snapshot: change.snapshot }),
  };
  const over = call.context.policy.confirmOver;
  if (over === undefined || !call.context.confirmations) return { proceed: true, shown };
  // A dry run asks nothing where the client can ask the user itself: the real call will.
  if (change.dryRun && canElicit(call)) return { proceed: true, shown };
  const answered = change.dryRun
    ? undefined
    : answerOnCall(change.tool, change.binding, change.confirm, change.done, call, change.declined);
  if (answered) return answered;
  const tally = call.context.unasked;
  const alreadyUnasked = tally?.reserved ?? 0;
  // A count that is only a lower bound is never small: asked, like an action's "at least".
  const sized = !change.always && !change.atLeast;
  if (sized && alreadyUnasked + change.entries <= over) {
    if (!change.dryRun) tally?.reserve(change.entries);
    return { proceed: true, shown };
  }
  const slicing = sized && change.entries <= over ? ` ${pastThreshold(alreadyUnasked, over)}` : "";
  return askUser(
    {
      tool: change.tool,
      binding: change.binding,
      shown,
      text: clip(`${change.question}${slicing}`, QUESTION_MAX_CHARS),
      done: change.done,
      ...(change.dryRun ? { dryRun: true } : {}),
      preview: change.preview,
      declined: change.declined,
    },
    call,
  );
}

/** The signed-in caller a confirmation is bound to; none without sign-in. */
function keyOf(call: ToolCall): string | undefined {
  return call.caller ? callerKey(call.caller.sub) : undefined;
}

/**
 * The question, naming who asked for the change where a caller signed in; the question is cut
 * to make room, so the two together keep the question's bound.
 */
function askedBy(text: string, call: ToolCall): string {
  if (!call.caller) return text;
  const asker = ` Asked for by ${describeCaller(call.caller)}.`;
  return `${clip(text, QUESTION_MAX_CHARS - asker.length)}${asker}`;
}

function shownOf(check: Shown): Shown {
  return {
    entries: check.entries,
    exact: check.exact,
    ...(check.snapshot === undefined ? {} : { snapshot: check.snapshot }),
  };
}

const TOKEN_PROBLEMS = {
  malformed: (tool: string) =>
    `confirm must be the token a result of ${tool} returned, passed exactly as given; nothing was changed.`,
  forged: (tool: string) =>
    `This confirm token was not issued by this deployment of the server; nothing was changed. Call ${tool} without confirm to get a new one.`,
  expired: (tool: string) =>
    `This confirm token has expired; nothing was changed. Call ${tool} again without confirm, and ask the user again.`,
  spent: (tool: string) =>
    `This confirm token was already used: a yes covers one operation, and passing it back again would change the DLQ anew. Nothing was changed. Call ${tool} without confirm to ask the user again.`,
  otherCaller: (tool: string) =>
    `This confirm token was given to another signed-in user: one person's yes does not confirm another's change. Nothing was changed. Call ${tool} without confirm to be asked yourself.`,
  otherCall: (tool: string) =>
    `This confirm token confirms other arguments (a different selection or options); nothing was changed. Call ${tool} without confirm to be asked about these.`,
};

/**
 * Whether this call can ask the user itself: the client declares form elicitation, and the
 * question can reach it (in band on 2026-07-28; as a request on a 2025 session, which stateless
 * HTTP does not keep open). Where it cannot, a question is a preview with a confirm token.
 */
export function canElicit(call: ToolCall): boolean {
  const elicitation = clientCapabilities(call)?.elicitation;
  if (!elicitation || !formSupported(elicitation)) return false;
  const { extra, context } = call;
  return (
    extra.mcpReq.envelope !== undefined ||
    (context.runLists !== undefined && extra.mcpReq.elicitInput !== undefined)
  );
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
