/**
 * The one wrapper every tool goes through: configuration check, arguments → plan (a bad one is
 * a tool error that sends nothing), the call scope with its deadline, cancellation and shutdown
 * notice, the journal, and on the way out the token scrubbed from the result and the result
 * held to its size bound.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { CallScope } from "../dlq/scope.js";
import type { CallJournal } from "../journal.js";
import { QStashError } from "../qstash/errors.js";
import type { CallExtra, ToolContext } from "./context.js";
import { ArgumentError } from "./plan.js";
import { textChars, toolError } from "./results.js";

export interface ToolCall {
  server: McpServer;
  context: ToolContext;
  scope: CallScope;
  journal: CallJournal;
  extra: CallExtra;
}

export interface ToolDefinition<Input extends z.ZodType = z.ZodType, Plan = unknown> {
  name: string;
  title: string;
  description: string;
  inputSchema: Input;
  outputSchema: z.ZodType;
  annotations: NonNullable<Tool["annotations"]>;
  /** Checks that need more than one field, and the selection's cursor; throws ArgumentError. */
  plan(args: z.output<Input>, context: ToolContext): Plan & { mode: string };
  run(plan: Plan, call: ToolCall, args: z.output<Input>): Promise<CallToolResult>;
}

export function defineTool<Input extends z.ZodType, Plan>(
  definition: ToolDefinition<Input, Plan>,
): ToolDefinition<Input, Plan> {
  return definition;
}

export function registerTool(server: McpServer, context: ToolContext, tool: ToolDefinition): void {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  server.registerTool(
    name,
    { title, description, inputSchema, outputSchema, annotations },
    async (args: unknown, rawExtra: unknown) => {
      const extra = rawExtra as CallExtra;
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
      const journal = context.journal.startCall(name, plan.mode, args);
      const scope = new CallScope({
        api: context.api,
        retry: context.policy.retry,
        deadlineMs: context.policy.deadlineMs,
        signal: extra.signal,
        stopping: active.stopping,
        journal,
        onRetry: ({ attempt, delayMs, error }) =>
          context.log.log("warning", `${error.message} Retrying (attempt ${attempt + 1}) in ${delayMs} ms.`),
      });
      try {
        const result = context.redactor.deep(
          await tool.run(plan, { server, context, scope, journal, extra }, args),
        );
        const chars = textChars(result);
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
