/**
 * The DLQ endpoints as typed calls: one request each, no loops. Pagination and policy live in
 * the runners that use this. Every request, answered or not, is reported to `onRequest` so the
 * journal can record it.
 */
import type { QStashClient, QStashRequest } from "../qstash/client.js";
import { QStashError } from "../qstash/errors.js";
import { encodeQuery } from "../qstash/query.js";
import { DLQ_PATHS, type DlqMessage } from "../wire/types.js";
import { REDRIVES, type RedriveName } from "./actions.js";
import {
  buildListQuery,
  buildResumeHeaders,
  buildSelectionQuery,
  type DlqFilter,
  type PageRequest,
  type ResumeOptions,
  type Selection,
} from "./request.js";
import {
  type ParsedResume,
  parseCallbackBody,
  parseListBody,
  parseMessageBody,
  parseResumeBody,
  type ResumedRun,
} from "./responses.js";

export type ResumePage = ParsedResume;

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
  error?: string;
}

export interface RequestContext {
  signal?: AbortSignal;
  onSending?: (record: SendingRecord) => void;
  onRequest?: (record: RequestRecord) => void;
}

export class DlqApi {
  constructor(readonly client: QStashClient) {}

  /** Resume or restart: the same request to the action's endpoint. */
  async redrive(
    action: RedriveName,
    selection: Selection,
    page: PageRequest,
    options: ResumeOptions,
    context: RequestContext = {},
  ): Promise<ResumePage> {
    const request: QStashRequest = {
      method: "POST",
      path: REDRIVES[action].path,
      query: buildSelectionQuery(selection, page),
      headers: buildResumeHeaders(options),
    };
    return this.send(request, context, parseResumeBody, (body) =>
      body.workflowRuns.map((run) => run.workflowRunId),
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
  async retryCallback(dlqId: string, context: RequestContext = {}): Promise<ResumedRun> {
    const request: QStashRequest = {
      method: "POST",
      path: `${DLQ_PATHS.callback}/${encodeURIComponent(dlqId)}`,
    };
    return this.send(request, context, parseCallbackBody, (run) => [run.workflowRunId]);
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
    runIds?: (value: T) => string[],
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
      if (runIds) record.runIds = runIds(value);
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
