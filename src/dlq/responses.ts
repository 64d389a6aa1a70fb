/**
 * Shapes of QStash response bodies, checked before use: a body of the wrong shape is a protocol
 * failure with an unknown outcome, never a silent empty page.
 */
import { z } from "zod";
import { QStashError } from "../qstash/errors.js";
import type { DlqMessage, ListResponse, ResumeResponse } from "../wire/types.js";

const resumeBody = z.object({
  workflowRuns: z.array(z.object({ workflowRunId: z.string(), workflowCreatedAt: z.number() })),
  cursor: z.string().nullish(),
});

const listBody = z.object({
  messages: z.array(z.looseObject({ dlqId: z.string() })),
  cursor: z.string().nullish(),
});

export function parseResumeBody(body: unknown, where: string): ResumeResponse {
  const parsed = resumeBody.safeParse(body);
  if (!parsed.success) throw shapeError(where);
  const { workflowRuns, cursor } = parsed.data;
  // The official client treats an empty cursor like a missing one: the job is done.
  return cursor ? { workflowRuns, cursor } : { workflowRuns };
}

export function parseListBody(body: unknown, where: string): ListResponse {
  const parsed = listBody.safeParse(body);
  if (!parsed.success) throw shapeError(where);
  const messages = parsed.data.messages as unknown as DlqMessage[];
  return parsed.data.cursor ? { messages, cursor: parsed.data.cursor } : { messages };
}

export function parseMessageBody(body: unknown, where: string): DlqMessage {
  const parsed = z.looseObject({ dlqId: z.string() }).safeParse(body);
  if (!parsed.success) throw shapeError(where);
  return parsed.data as unknown as DlqMessage;
}

function shapeError(where: string): QStashError {
  return new QStashError(
    "protocol",
    `QStash answered ${where} with a body of an unexpected shape; the request may have been processed.`,
  );
}
