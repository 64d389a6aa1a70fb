/**
 * Redrive: entries taken out of the DLQ are resumed or restarted as new runs, recorded, and with
 * delivery run at their flow-control key's pace; a new run that fails again re-enters the DLQ as
 * a new entry under its own identity. Which runs fail again is derived from a hash, so the same
 * entries always give the same outcome however requests interleave.
 */
import type { DlqMessage, WorkflowRunRef } from "../wire/types.js";
import type { DlqEntries } from "./entries.js";
import { type DeliveryOptions, FlowControl } from "./flow-control.js";
import { ALNUM, digest, hashedId, URL_SAFE } from "./ids.js";

export interface ResumeOverrides {
  retries?: number;
  flowControlKey?: string;
  flowControlValue?: string;
  /** The first label Upstash-Label gives. */
  label?: string;
  /** Every label, when Upstash-Label gives several. */
  labels?: string[];
}

/**
 * What a redrive does to a DLQ entry. Both take entries the same way and record them the same
 * way; a restarted run starts over from its first step, a resumed one from the step that failed.
 */
export type RedriveAction = "resume" | "restart";

export interface RefailOptions {
  /** Probability, 0 to 1, that a resumed run fails again and re-enters the DLQ. */
  share: number;
  /** Which runs fail again depends only on this seed and the new run's id; default 1. */
  seed?: number;
}

export interface ResumedRecord extends ResumeOverrides {
  action: RedriveAction;
  /** The entry that was taken out of the DLQ. */
  dlqId: string;
  /** The failed run that entry belonged to. */
  originalWorkflowRunId: string;
  originalWorkflowCreatedAt: number;
  /** The new run, as the answer reported it. */
  workflowRunId: string;
  workflowCreatedAt: number;
  /** When the emulator resumed it, Unix milliseconds. */
  at: number;
  /** Set when the new run failed again: the dlqId of the entry it re-entered the DLQ as. */
  refailedAs?: string;
  /** The entry's workflow and failed step, for the logs the run leaves. */
  workflowUrl?: string;
  stepUrl?: string;
  failStatus?: number;
  failBody?: string;
  label?: string;
  /** With delivery: where the new run is, and when it finished. */
  state?: "RUN_STARTED" | "RUN_SUCCESS" | "RUN_FAILED";
  finishedAt?: number;
}

/** With delivery, how often a run fails again: a 4xx mostly persists, anything else mostly clears. */
const PERSISTENT_FAILURE_SHARE = 0.9;
const TRANSIENT_FAILURE_SHARE = 0.1;

export function validateRefail(refail: RefailOptions): Required<RefailOptions> {
  const { share, seed = 1 } = refail;
  if (!(typeof share === "number" && share >= 0 && share <= 1))
    throw new RangeError("refail.share must be a number from 0 to 1");
  if (!Number.isSafeInteger(seed)) throw new RangeError("refail.seed must be an integer");
  return { share, seed };
}

/** The runs a store has redriven: their records, their delivery, and their re-failures. */
export class Redriver {
  /** Every run resumed or restarted since the last reset, in order. */
  readonly resumed: ResumedRecord[] = [];
  private flow: FlowControl;
  /** Runs delivered later, by run id: what they need to fail again. */
  private readonly pending = new Map<
    string,
    { message: DlqMessage; record: ResumedRecord; overrides: ResumeOverrides }
  >();

  constructor(
    private readonly entries: DlqEntries,
    private readonly refail: Required<RefailOptions> | undefined,
    private readonly delivery: DeliveryOptions | undefined,
  ) {
    this.flow = this.newFlow();
  }

  /** Flow-control keys and their waitlists, as the flow-control endpoints serve them. */
  get flowControl(): FlowControl {
    return this.flow;
  }

  /** Stops delivering: runs waiting or running stay as they are. */
  close(): void {
    this.flow.close();
  }

  /** Forgets every run: runs of the contents before are forgotten with them. */
  reset(): void {
    this.resumed.length = 0;
    this.flow.close();
    this.flow = this.newFlow();
    this.pending.clear();
  }

  private newFlow(): FlowControl {
    return new FlowControl(this.delivery ?? {}, (workflowRunId) => this.delivered(workflowRunId));
  }

  /** Takes the entries out of the DLQ and starts a new run for each; returns the runs in order. */
  redrive(
    action: RedriveAction,
    messages: readonly DlqMessage[],
    overrides: ResumeOverrides,
    receivedAt: number,
  ): WorkflowRunRef[] {
    // The OpenAPI describes workflowCreatedAt of a resumed run as when that new run was created:
    // the moment the emulator resumes it, never earlier than the request's arrival.
    const at = Math.max(Date.now(), receivedAt);
    this.entries.remove(messages.map((m) => m.dlqId));
    const records = messages.map((message) => {
      const record: ResumedRecord = {
        action,
        dlqId: message.dlqId,
        // Entries loaded without workflow metadata still need a stable run identity.
        originalWorkflowRunId: message.workflowRunId ?? `wfr_${message.dlqId}`,
        originalWorkflowCreatedAt: message.workflowCreatedAt ?? message.createdAt,
        workflowRunId: hashedId("wfr_", URL_SAFE, 21, ["run", action, message.dlqId]),
        workflowCreatedAt: at,
        at,
      };
      if (overrides.retries !== undefined) record.retries = overrides.retries;
      if (overrides.flowControlKey !== undefined) record.flowControlKey = overrides.flowControlKey;
      if (overrides.flowControlValue !== undefined) record.flowControlValue = overrides.flowControlValue;
      if (overrides.label !== undefined) record.label = overrides.label;
      else if (message.label !== undefined) record.label = message.label;
      if (overrides.labels !== undefined) record.labels = overrides.labels;
      if (message.workflowUrl !== undefined) record.workflowUrl = message.workflowUrl;
      if (message.url !== undefined) record.stepUrl = message.url;
      if (message.responseStatus !== undefined) record.failStatus = message.responseStatus;
      if (message.responseBody !== undefined) record.failBody = message.responseBody;
      this.resumed.push(record);
      return { message, record };
    });
    if (this.delivery) {
      for (const { message, record } of records) {
        record.state = "RUN_STARTED";
        this.pending.set(record.workflowRunId, { message, record, overrides });
        this.flow.submit(record.workflowRunId, overrides.flowControlKey, overrides.flowControlValue);
      }
    } else {
      // Delivered at once, but the key is known from now on, as QStash knows it.
      if (overrides.flowControlKey !== undefined) {
        this.flow.observe(overrides.flowControlKey, overrides.flowControlValue);
      }
      // The batch was chosen before any of its runs could fail again, so a request never acts on
      // an entry it put back itself; a later page of the same bulk action can.
      for (const { message, record } of records) {
        if (this.failsAgain(record.workflowRunId)) this.reenter(message, record, overrides);
      }
    }
    return records.map(({ record }) => ({
      workflowRunId: record.workflowRunId,
      workflowCreatedAt: record.workflowCreatedAt,
    }));
  }

  /** A delivered run has run: it succeeded, or failed again and re-enters the DLQ. */
  private delivered(workflowRunId: string): void {
    const run = this.pending.get(workflowRunId);
    if (!run) return;
    this.pending.delete(workflowRunId);
    const status = run.message.responseStatus ?? 500;
    const transient = this.refail?.share ?? TRANSIENT_FAILURE_SHARE;
    const share =
      status >= 400 && status < 500 && status !== 429
        ? Math.max(PERSISTENT_FAILURE_SHARE, transient)
        : transient;
    const seed = String(this.refail?.seed ?? 1);
    const roll = digest(["delivery", seed, workflowRunId]).readUInt32BE(0) / 2 ** 32;
    run.record.finishedAt = Date.now();
    if (roll < share) {
      run.record.state = "RUN_FAILED";
      this.reenter(run.message, run.record, run.overrides);
    } else {
      run.record.state = "RUN_SUCCESS";
    }
  }

  private failsAgain(workflowRunId: string): boolean {
    if (!this.refail || this.refail.share <= 0) return false;
    if (this.refail.share >= 1) return true;
    const roll = digest(["refail", String(this.refail.seed), workflowRunId]).readUInt32BE(0) / 2 ** 32;
    return roll < this.refail.share;
  }

  /** The new run failed too: the same step with the same payload, under the new run's identity. */
  private reenter(message: DlqMessage, record: ResumedRecord, overrides: ResumeOverrides): void {
    let dlqId = hashedId("dlq_", ALNUM, 22, ["dlq", record.workflowRunId]);
    for (let salt = 1; this.entries.issued(dlqId); salt++) {
      dlqId = hashedId("dlq_", ALNUM, 22, ["dlq", record.workflowRunId, String(salt)]);
    }
    const entry: DlqMessage = {
      ...structuredClone(message),
      dlqId,
      workflowRunId: record.workflowRunId,
      workflowCreatedAt: record.workflowCreatedAt,
      // A run fails after it was created, which was no earlier than the request's arrival.
      createdAt: Math.max(Date.now(), record.at + 1),
    };
    if (message.messageId !== undefined) entry.messageId = hashedId("msg_", ALNUM, 40, ["msg", dlqId]);
    const runHeader =
      entry.header && Object.keys(entry.header).find((name) => /^upstash-workflow-runid$/i.test(name));
    if (entry.header && runHeader) entry.header[runHeader] = [record.workflowRunId];
    if (overrides.retries !== undefined) entry.maxRetries = overrides.retries;
    if (overrides.flowControlKey !== undefined) entry.flowControlKey = overrides.flowControlKey;
    if (overrides.label !== undefined) {
      entry.label = overrides.label;
      if (overrides.labels === undefined) delete entry.labels;
      else entry.labels = [...overrides.labels];
    }
    this.entries.insert(entry);
    record.refailedAs = dlqId;
  }
}
