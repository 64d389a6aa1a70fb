/** flow_control_status's and flow_control_update's arguments: a key, and what to do to it. */

import { z } from "zod";
import { confirmSchema } from "../../args/fields.js";
import { resourceName, unknownArguments } from "../../args/messages.js";
import { flowControlSchema, periodSchema, periodSeconds } from "../../args/redrive.js";
import { FLOW_CONTROL_ACTIONS } from "../../wire/types.js";

const flowKeySchema = resourceName(
  "key",
  "billing-redrive-1",
  'key must be a flow-control key such as "billing-redrive-1".',
  "key is empty: give the flow-control key.",
);

export const flowControlStatusInput = z.strictObject(
  { key: flowKeySchema.optional() },
  { error: unknownArguments("flow_control_status", "key") },
);

export const flowControlUpdateInput = z
  .strictObject(
    {
      key: flowKeySchema,
      action: z.enum(FLOW_CONTROL_ACTIONS, {
        error: `action must be one of ${FLOW_CONTROL_ACTIONS.join(", ")}.`,
      }),
      parallelism: flowControlSchema.shape.parallelism,
      rate: flowControlSchema.shape.rate,
      period: periodSchema
        .optional()
        .transform((period) => (typeof period === "string" ? periodSeconds(period) : period)),
      confirm: confirmSchema.optional(),
    },
    { error: unknownArguments("flow_control_update", "key, action, parallelism, rate, period, confirm") },
  )
  .superRefine((args, ctx) => {
    const pace = args.parallelism !== undefined || args.rate !== undefined || args.period !== undefined;
    if (args.action === "pin" && !pace) {
      ctx.addIssue({
        code: "custom",
        message: "pin needs parallelism, rate or period: what to fix the key at.",
      });
    }
    if (args.action !== "pin" && pace) {
      ctx.addIssue({
        code: "custom",
        message: `parallelism, rate and period go with action pin only; ${args.action} takes just the key.`,
      });
    }
  });

export type FlowControlUpdateArgs = z.output<typeof flowControlUpdateInput>;
