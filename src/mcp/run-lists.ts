/**
 * Full reports of calls too large to show inline, kept as MCP resources for the rest of the
 * session, so a result can stay small while nothing resumed is lost from the report. Nothing is
 * evicted: the result promises the rest of the session. A report is kept as its JSON text, about
 * 80 bytes a run.
 */
import { randomBytes } from "node:crypto";
import { type McpServer, ResourceNotFoundError, ResourceTemplate } from "@modelcontextprotocol/server";
import type { Redactor } from "../redact.js";

const URI_PREFIX = "workflow-dlq://resumed-runs/";

interface StoredReport {
  tool: string;
  createdAt: string;
  /** What the name says the report holds. */
  title: string;
  text: string;
}

export class RunListStore {
  private readonly reports = new Map<string, StoredReport>();

  constructor(private readonly redactor: Redactor) {}

  /** Keeps a report and returns its URI. */
  keep(tool: string, title: string, report: Record<string, unknown>): string {
    const id = randomBytes(8).toString("hex");
    const createdAt = new Date().toISOString();
    const text = this.redactor.text(JSON.stringify({ tool, createdAt, ...report }));
    this.reports.set(id, { tool, title, createdAt, text });
    return `${URI_PREFIX}${id}`;
  }

  get(id: string): StoredReport | undefined {
    return this.reports.get(id);
  }

  entries(): [string, StoredReport][] {
    return [...this.reports];
  }
}

export function registerRunListResource(server: McpServer, store: RunListStore): void {
  server.registerResource(
    "resumed-runs",
    new ResourceTemplate(`${URI_PREFIX}{id}`, {
      list: () => ({
        resources: store.entries().map(([id, report]) => ({
          uri: `${URI_PREFIX}${id}`,
          name: `${report.title} (${report.tool}, ${report.createdAt})`,
          mimeType: "application/json",
        })),
      }),
    }),
    {
      title: "Reports of calls in this session",
      description:
        "Everything a call resumed, restarted or retried, probably did or did not find, when that was too long to show inline or the call was cancelled.",
      mimeType: "application/json",
    },
    (uri, variables) => {
      const report = store.get(String(variables.id));
      if (!report) {
        throw new ResourceNotFoundError(
          uri.href,
          `No report at ${uri.href}: reports live only for the session (the connection) that made them.`,
        );
      }
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: report.text }] };
    },
  );
}
