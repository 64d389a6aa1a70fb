/**
 * The DLQ endpoints as typed calls: one request each, no loops. Pagination and policy live in
 * the runners that use this. Every request, answered or not, is reported to `onRequest` so the
 * journal can record it.
 */

import {
  DLQ_PATHS,
  type DlqMessage,
  FLOW_CONTROL_PATH,
  type FlowControlAction,
  LOGS_PATH,
} from "../wire/types.js";
import { ACTIONS, type ActionName } from "./actions.js";
import type { QStashClient, QStashRequest } from "./client.js";
import { QStashError } from "./errors.js";
import {
  type ParsedResume,
  parseCallbackBody,
  parseDeleteBody,
  parseListBody,
  parseMessageBody,
  parseResumeBody,
  type StartedRun,
} from "./parse.js";
import { type FlowKeyInfo, parseFlowKey, parseFlowKeys } from "./parse-flow.js";
import { type LoggedRun, parseLogsBody } from "./parse-logs.js";
import { encodeQuery, type QueryParams } from "./query.js";
import {
  buildListQuery,
  buildResumeHeaders,
  buildSelectionQuery,
  type DlqFilter,
  type PageRequest,
  type ResumeOptions,
  type Selection,
} from "./request.js";

export type ActionPage = ParsedResume;

export interface ListPage {
  messages: DlqMessage[];
  cursor?: string;
  /** QStash's clock when it answered (its Date header), Unix milliseconds. */
  serverTime?: number;
}

/** A request about to be sent: journaled first, so a crash leaves a record of what may have happened. */
export interface SendingRecord {
  method: string;
  path: string;
  query: string;
}

export interface RequestRecord extends SendingRecord {
  /** 0 when no HTTP answer arrived. */
  status: number;
  runIds?: string[];
  /** Which dlqId became which run, where the answer tells (a request naming one id). */
  runsByDlqId?: Record<string, string>;
  /** A delete that removed every id it asked for: those ids. */
  deletedIds?: string[];
  error?: string;
}

export interface RequestContext {
  signal?: AbortSignal;
  onSending?: (record: SendingRecord) => void;
  onRequest?: (record: RequestRecord) => void;
}

export class QStashApi {
  constructor(readonly client: QStashClient) {}

  /**
   * One request of an action (resume, restart, delete) to its endpoint. A delete's answer counts
   * what it removed and names no run; its page has `deleted` and no runs.
   */
  async act(
    action: ActionName,
    selection: Selection,
    page: PageRequest,
    options: ResumeOptions,
    context: RequestContext = {},
  ): Promise<ActionPage> {
    const row = ACTIONS[action];
    const request: QStashRequest = {
      method: row.method,
      path: row.path,
      query: buildSelectionQuery(selection, page),
      ...(row.answers === "runs" ? { headers: buildResumeHeaders(options) } : {}),
    };
    if (row.answers === "count") {
      const asked = selection.mode === "ids" ? selection.dlqIds : [];
      return this.send(request, context, parseDeleteBody, (body) =>
        asked.length > 0 && (body.deleted ?? 0) >= asked.length ? { deletedIds: asked } : {},
      );
    }
    return this.send(
      request,
      context,
      (body, where) => {
        const parsed = withDlqIds(parseResumeBody(body, where), selection);
        // An empty answer is read as "nothing resumed" only where that can be so. Ids that are
        // not all in the DLQ get a 404, so a first answer to ids that names no run at all does
        // not say nothing happened: its runs may have started unnamed. It is a failure whose
        // outcome is unknown, and the runner looks up which of the ids left the DLQ.
        if (
          selection.mode === "ids" &&
          page.cursor === undefined &&
          parsed.workflowRuns.length + parsed.unreadableRuns === 0
        ) {
          throw new QStashError(
            "protocol",
            `QStash answered ${where} for ${selection.dlqIds.length} dlqId(s) without naming a run; it may have started runs for them.`,
          );
        }
        return parsed;
      },
      (body) => ({
        runIds: body.workflowRuns.map((run) => run.workflowRunId),
        ...(body.workflowRuns.some((run) => run.dlqId !== undefined)
          ? {
              runsByDlqId: Object.fromEntries(body.workflowRuns.map((run) => [run.dlqId, run.workflowRunId])),
            }
          : {}),
      }),
    );
  }

  async list(
    filter: DlqFilter | undefined,
    page: PageRequest,
    context: RequestContext = {},
  ): Promise<ListPage> {
    const request: QStashRequest = {
      method: "GET",
      path: DLQ_PATHS.list,
      query: buildListQuery(filter, page),
    };
    return this.send(request, context, (body, where, headers) => {
      const page: ListPage = parseListBody(body, where);
      const date = headers.date;
      const serverTime = Date.parse(Array.isArray(date) ? (date[0] ?? "") : (date ?? ""));
      if (Number.isFinite(serverTime)) page.serverTime = serverTime;
      return page;
    });
  }

  /** Retries the entry's failed failure callback; the entry stays in the DLQ. */
  async retryCallback(dlqId: string, context: RequestContext = {}): Promise<StartedRun> {
    const request: QStashRequest = {
      method: "POST",
      path: `${DLQ_PATHS.callback}/${encodeURIComponent(dlqId)}`,
    };
    return this.send(request, context, parseCallbackBody, (run) => ({ runIds: [run.workflowRunId] }));
  }

  /** One page of workflow runs from the logs; bodies cut to `bodyBytes`, left out by default. */
  async logs(
    query: QueryParams,
    context: RequestContext = {},
    bodyBytes = -1,
  ): Promise<{ runs: LoggedRun[]; cursor?: string }> {
    return this.send(
      { method: "GET", path: LOGS_PATH, query: { ...query, trimBody: bodyBytes } },
      context,
      parseLogsBody,
    );
  }

  /** One flow-control key, or undefined when QStash knows no such key. */
  async flowKey(key: string, context: RequestContext = {}): Promise<FlowKeyInfo | undefined> {
    const request: QStashRequest = { method: "GET", path: `${FLOW_CONTROL_PATH}/${encodeURIComponent(key)}` };
    try {
      return await this.send(request, context, parseFlowKey);
    } catch (error) {
      if (error instanceof QStashError && error.kind === "notFound") return undefined;
      throw error;
    }
  }

  async flowKeys(context: RequestContext = {}): Promise<FlowKeyInfo[]> {
    return this.send({ method: "GET", path: FLOW_CONTROL_PATH }, context, parseFlowKeys);
  }

  /** Pause, resume, pin, unpin or reset the rate of one key; its answer carries nothing. */
  async changeFlowKey(
    key: string,
    action: FlowControlAction,
    query: QueryParams,
    context: RequestContext = {},
  ): Promise<void> {
    const request: QStashRequest = {
      method: "POST",
      path: `${FLOW_CONTROL_PATH}/${encodeURIComponent(key)}/${action}`,
      query,
      ignoreBody: true,
    };
    await this.send(request, context, () => undefined);
  }

  /** One message, or undefined when it is not in the DLQ. */
  async get(dlqId: string, context: RequestContext = {}): Promise<DlqMessage | undefined> {
    const request: QStashRequest = {
      method: "GET",
      path: `${DLQ_PATHS.message}/${encodeURIComponent(dlqId)}`,
    };
    try {
      return await this.send(request, context, parseMessageBody);
    } catch (error) {
      if (error instanceof QStashError && error.kind === "notFound") return undefined;
      throw error;
    }
  }

  private async send<T>(
    request: QStashRequest,
    context: RequestContext,
    parse: (body: unknown, where: string, headers: Record<string, string | string[] | undefined>) => T,
    named?: (value: T) => Pick<RequestRecord, "runIds" | "deletedIds">,
  ): Promise<T> {
    const sending: SendingRecord = {
      method: request.method,
      path: request.path,
      query: encodeQuery(request.query ?? {}),
    };
    const record: RequestRecord = { ...sending, status: 0 };
    context.onSending?.(sending);
    try {
      const response = await this.client.request<unknown>({ ...request, signal: context.signal });
      record.status = response.status;
      const value = parse(response.body, `${request.method} ${request.path}`, response.headers);
      if (named) Object.assign(record, named(value));
      return value;
    } catch (error) {
      if (error instanceof QStashError) {
        record.status = error.status ?? record.status;
        record.error = error.kind;
      }
      throw error;
    } finally {
      context.onRequest?.(record);
    }
  }
}

/**
 * A request that names one dlqId and is answered with one run says which run that entry became.
 * An answer to several ids lists their runs in no documented order, so its runs are left
 * unmapped rather than guessed; the journal's request line still pairs the ids sent with the runs
 * answered.
 */
function withDlqIds(page: ParsedResume, selection: Selection): ParsedResume {
  if (selection.mode !== "ids") return page;
  const asked = [...new Set(selection.dlqIds)];
  const [run] = page.workflowRuns;
  if (asked.length !== 1 || page.unreadableRuns > 0 || page.workflowRuns.length !== 1 || run === undefined)
    return page;
  return { ...page, workflowRuns: [{ dlqId: asked[0] as string, ...run }] };
}
