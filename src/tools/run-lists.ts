/**
 * Full lists of resumed runs kept as MCP resources for the rest of the session, so a result can
 * stay small while nothing resumed is lost from the report. Bounded: the oldest lists go first.
 */
import { randomBytes } from "node:crypto";
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { WorkflowRunRef } from "../wire/types.js";

const URI_PREFIX = "workflow-dlq://resumed-runs/";
const KEPT_LISTS = 100;

interface StoredList {
  runs: WorkflowRunRef[];
  tool: string;
  createdAt: string;
}

export class RunListStore {
  private readonly lists = new Map<string, StoredList>();

  /** Keeps a list and returns its URI. */
  keep(tool: string, runs: WorkflowRunRef[]): string {
    const id = randomBytes(8).toString("hex");
    this.lists.set(id, { runs: [...runs], tool, createdAt: new Date().toISOString() });
    while (this.lists.size > KEPT_LISTS) {
      const oldest = this.lists.keys().next().value as string;
      this.lists.delete(oldest);
    }
    return `${URI_PREFIX}${id}`;
  }

  get(id: string): StoredList | undefined {
    return this.lists.get(id);
  }

  entries(): [string, StoredList][] {
    return [...this.lists];
  }
}

export function registerRunListResource(server: McpServer, store: RunListStore): void {
  server.registerResource(
    "resumed-runs",
    new ResourceTemplate(`${URI_PREFIX}{id}`, {
      list: () => ({
        resources: store.entries().map(([id, list]) => ({
          uri: `${URI_PREFIX}${id}`,
          name: `${list.runs.length} runs resumed by ${list.tool} at ${list.createdAt}`,
          mimeType: "application/json",
        })),
      }),
    }),
    {
      title: "Runs resumed in this session",
      description: "The complete list of runs a resume call resumed, when it was too long to show inline.",
      mimeType: "application/json",
    },
    (uri, variables) => {
      const list = store.get(String(variables.id));
      if (!list)
        throw new Error(
          `No resumed-runs list at ${uri.href}: lists live only for the session that made them.`,
        );
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: "application/json",
            text: JSON.stringify({ tool: list.tool, createdAt: list.createdAt, workflowRuns: list.runs }),
          },
        ],
      };
    },
  );
}
