/**
 * flow_control_status's and flow_control_update's arguments, for the hostile-input properties: a
 * key, and for update an action or a new pace.
 */
import fc from "fast-check";
import { countField, type Field, periodValue, type ToolInputs, validRecord } from "../../hostile/fields.js";

const flowKeyField: Field = {
  valid: fc.constantFrom("redrive-1", "payments-api", "never.used_key"),
  nearMiss: fc.constantFrom("", "bad key", "k/1", 5, null, ["redrive-1"], {}, "x".repeat(257)),
};

const flowActionField: Field = {
  valid: fc.constantFrom("pause", "resume", "unpin", "resetRate"),
  nearMiss: fc.constantFrom("stop", "PAUSE", "", 1, null, ["pause"]),
};

export const flowControlStatusInputs: ToolInputs = {
  fields: () => ({ key: flowKeyField }),
};

export const flowControlUpdateInputs: ToolInputs = {
  fields: () => ({
    key: flowKeyField,
    action: flowActionField,
    parallelism: countField(100_000),
    rate: countField(1_000_000),
    period: { valid: periodValue, nearMiss: fc.constantFrom(0, "0s", "8d", "1w", -1, "1.5s") },
  }),
  valid: (fields) => {
    // Every action but pin takes just the key; pin takes at least one of the pace fields.
    const { key, action, ...pace } = fields;
    const plain = fc
      .tuple((key as Field).valid, (action as Field).valid)
      .map(([value, verb]) => ({ key: value, action: verb }));
    const pin = fc
      .tuple((key as Field).valid, validRecord(pace, 1))
      .map(([value, rest]) => ({ key: value, action: "pin", ...rest }));
    return fc.oneof(plain, pin);
  },
};
