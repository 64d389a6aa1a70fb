/**
 * The DLQ endpoints as typed calls: one request each, no loops. Pagination and policy live in
 * the runners that use this.
 */

import type { QStashClient } from "../qstash/client.js";
import { QStashError } from "../qstash/errors.js";
import { DLQ_PATHS, type DlqMessage, type WorkflowRunRef } from "../wire/types.js";
import {
  buildListQuery,
  buildResumeHeaders,
  buildSelectionQuery,
  type DlqFilter,
  type PageRequest,
  type ResumeOptions,
  type Selection,
} from "./request.js";
import { parseListBody, parseResumeBody } from "./responses.js";

export interface ResumePage {
  workflowRuns: WorkflowRunRef[];
  cursor?: string;
}

export interface ListPage {
  messages: DlqMessage[];
  cursor?: string;
}

export class DlqApi {
  constructor(readonly client: QStashClient) {}

  async resume(
    selection: Selection,
    page: PageRequest,
    options: ResumeOptions,
    signal?: AbortSignal,
  ): Promise<ResumePage> {
    const response = await this.client.request<unknown>({
      method: "POST",
      path: DLQ_PATHS.resume,
      query: buildSelectionQuery(selection, page),
      headers: buildResumeHeaders(options),
      signal,
    });
    return parseResumeBody(response.body, `POST ${DLQ_PATHS.resume}`);
  }

  async list(filter: DlqFilter | undefined, page: PageRequest, signal?: AbortSignal): Promise<ListPage> {
    const response = await this.client.request<unknown>({
      method: "GET",
      path: DLQ_PATHS.list,
      query: buildListQuery(filter, page),
      signal,
    });
    return parseListBody(response.body, `GET ${DLQ_PATHS.list}`);
  }

  /** Whether an entry is still in the DLQ; used to tell which ids of a failed batch are missing. */
  async exists(dlqId: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.client.request<unknown>({
        method: "GET",
        path: `${DLQ_PATHS.message}/${encodeURIComponent(dlqId)}`,
        signal,
      });
      return true;
    } catch (error) {
      if (error instanceof QStashError && error.kind === "notFound") return false;
      throw error;
    }
  }
}
