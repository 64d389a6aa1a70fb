/**
 * The one wrapper every tool goes through: configuration check, arguments → plan (a bad one is
 * a tool error that sends nothing), the signed-in caller's scope, the call scope with its
 * deadline, cancellation and shutdown notice, the journal (naming the caller), and on the way
 * out the tokens scrubbed from the result, a change's result signed with who asked for it, and
 * the result held to its size bound.
 */
import type {
  CallToolResult,
  InputRequiredResult,
  McpServer,
  ScopeChallengeHandler,
  Tool,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Caller } from "../auth/caller.js";
import type { AccessScopes } from "../auth/scopes.js";
import { holds } from "../auth/scopes.js";
import { CallScope } from "../engine/scope.js";
import type { CallJournal } from "../journal.js";
import { QStashError } from "../qstash/errors.js";
import { callContext, signedInCaller } from "./caller.js";
import type { CallExtra, ToolContext } from "./context.js";
import { attributed, textChars, toolError } from "./results.js";

/** Bad input that the schemas could not see; its message is shown to the caller as is. */
export class ArgumentError extends Error {
  override name = "ArgumentError";
}

export interface ToolCall {
  server: McpServer;
  context: ToolContext;
  scope: CallScope;
  journal: CallJournal;
  extra: CallExtra;
  /** Who signed in for this call (a server with sign-in); undefined otherwise. */
  caller?: Caller;
}

export interface ToolDefinition<
  Input extends z.ZodType = z.ZodType,
  Plan = unknown,
  Name extends string = string,
> {
  /** Kept as its literal, so the list of tools also gives the type of their names. */
  name: Name;
  title: string;
  description: string;
  inputSchema: Input;
  outputSchema: z.ZodType;
  annotations: NonNullable<Tool["annotations"]>;
  /** Checks that need more than one field, and the selection's cursor; throws ArgumentError. */
  plan(args: z.output<Input>, context: ToolContext): Plan & { mode: string };
  /** A result, or (2026-07-28) a question for the user that the client answers and retries with. */
  run(plan: Plan, call: ToolCall, args: z.output<Input>): Promise<CallToolResult | InputRequiredResult>;
}

/** The issues as the SDK words them: one line each, with the path when there is one. */
function issuesText(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.message} at ${dotPath(issue.path)}` : issue.message))
    .join("\n");
}

function dotPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part, index) =>
      index === 0 ? String(part) : typeof part === "number" ? `${text}[${part}]` : `${text}.${String(part)}`,
    "",
  );
}

export function defineTool<Input extends z.ZodType, Plan, Name extends string>(
  definition: ToolDefinition<Input, Plan, Name>,
): ToolDefinition<Input, Plan, Name> {
  return definition;
}

/**
 * What the SDK checks before a call reaches the wrapper: an object, nothing more. The tool's own
 * schema is applied in the wrapper, to arguments already scrubbed of the token, so no validation
 * message can quote it (a message that echoes a value cuts it short, and a cut token no longer
 * matches). Clients are still shown the tool's real schema (see catalogue.ts).
 */
const ANY_OBJECT = z.looseObject({});

/**
 * A change asked for with a token that may only read: the SDK answers 403 insufficient_scope
 * naming both scopes before the call starts, so the client can ask the user to sign in for more.
 */
function writeScopeChallenge(scopes: AccessScopes): ScopeChallengeHandler {
  return ({ authInfo }) =>
    authInfo === undefined || holds(authInfo.scopes, scopes.write)
      ? undefined
      : {
          scopes: [scopes.read, scopes.write],
          errorDescription: `This tool changes the DLQ: it needs the ${scopes.write} scope.`,
        };
}

export function registerTool(server: McpServer, serverContext: ToolContext, tool: ToolDefinition): void {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  const changes = annotations.readOnlyHint !== true;
  const scopeChallenge =
    changes && serverContext.scopes ? { scopeChallenge: writeScopeChallenge(serverContext.scopes) } : {};
  server.registerTool(
    name,
    { title, description, inputSchema: ANY_OBJECT, outputSchema, annotations, ...scopeChallenge },
    async (rawArgs: unknown, rawExtra: unknown) => {
      const extra = rawExtra as CallExtra;
      const caller = signedInCaller(extra);
      // The caller's own token joins the QStash one in everything this call writes or returns.
      const context = callContext(serverContext, extra);
      if (changes && serverContext.scopes && caller && !holds(caller.scopes, serverContext.scopes.write)) {
        // The SDK's scope challenge stops this first over HTTP; this holds wherever it does not.
        return toolError(
          `${name} changes the DLQ and your sign-in may only read it (it lacks the ${serverContext.scopes.write} scope): nothing was changed. Sign in again granting ${serverContext.scopes.write}.`,
        );
      }
      const parsed = inputSchema.safeParse(context.redactor.deep(rawArgs));
      if (!parsed.success) {
        return context.redactor.deep(
          toolError(
            `Input validation error: Invalid arguments for tool ${name}: ${issuesText(parsed.error)}`,
          ),
        );
      }
      const args: unknown = parsed.data;
      if (context.calls.stopping) {
        return toolError(
          "The server is shutting down and started nothing: call again in a moment (behind a load balancer, another replica answers).",
        );
      }
      let plan: { mode: string };
      try {
        context.api.client.assertConfigured();
        plan = tool.plan(args, context) as { mode: string };
      } catch (error) {
        if (error instanceof ArgumentError || error instanceof QStashError) {
          return context.redactor.deep(toolError(error.message));
        }
        throw error;
      }
      const active = context.calls.begin();
      const journal = context.journal.startCall(name, plan.mode, args, {
        redactor: context.redactor,
        ...(caller ? { caller: caller.who } : {}),
      });
      const scope = new CallScope({
        api: context.api,
        retry: context.policy.retry,
        deadlineMs: context.policy.deadlineMs,
        signal: extra.mcpReq.signal,
        stopping: active.stopping,
        journal,
        onRetry: ({ attempt, delayMs, error }) =>
          context.log.log("warning", `${error.message} Retrying (attempt ${attempt + 1}) in ${delayMs} ms.`),
      });
      try {
        const ran = await tool.run(
          plan,
          { server, context, scope, journal, extra, ...(caller ? { caller: caller.who } : {}) },
          args,
        );
        const result = context.redactor.deep(changes && caller ? attributed(ran, caller.who) : ran);
        const chars = "content" in result ? textChars(result as CallToolResult) : 0;
        if (chars > context.policy.maxResultChars) {
          // Every result builder fits its bound; a result over it is this server's bug, and is
          // still returned whole rather than losing what it reports.
          context.log.log(
            "error",
            `${name} built a result of ${chars} characters, over the bound of ${context.policy.maxResultChars}.`,
          );
        }
        return result;
      } finally {
        scope.dispose();
        active.end();
      }
    },
  );
}
