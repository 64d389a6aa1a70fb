/**
 * Whole generated calls for any tool: valid ones, near misses with one slot broken, wrong types
 * in every slot, prototype keys, huge payloads and deep nesting, drawn from the tool's own
 * argument generator. TOOL_INPUTS is the table of those generators, one per tool in TOOLS: a tool
 * without one does not compile.
 */
import fc from "fast-check";
import { LIMITS } from "../../src/args/limits.js";
import type { ToolName } from "../../src/tools/index.js";
import {
  dlqDeleteInputs,
  dlqRestartInputs,
  dlqResumeAllInputs,
  dlqResumeInputs,
} from "../tools/actions/input.arbitrary.js";
import { dlqInspectInputs } from "../tools/dlq-inspect/input.arbitrary.js";
import { dlqListInputs } from "../tools/dlq-list/input.arbitrary.js";
import { dlqRetryFailureCallbackInputs } from "../tools/dlq-retry-failure-callback/input.arbitrary.js";
import { flowControlStatusInputs, flowControlUpdateInputs } from "../tools/flow-control/input.arbitrary.js";
import { workflowRunsInputs } from "../tools/workflow-runs/input.arbitrary.js";
import {
  breakOne,
  type Fields,
  filterArbitraries,
  flowControlField,
  type Seeds,
  type ToolInputs,
  validRecord,
} from "./fields.js";
import {
  type Args,
  deepJunk,
  type HugeIdKind,
  hugeIdList,
  hugeString,
  idList,
  junk,
  manyKeys,
  objectOf,
  own,
  PROTOTYPE_KEYS,
} from "./values.js";

/** Every tool's argument generator, by name. */
export const TOOL_INPUTS: Readonly<Record<ToolName, ToolInputs>> = {
  dlq_list: dlqListInputs,
  dlq_inspect: dlqInspectInputs,
  dlq_resume: dlqResumeInputs,
  dlq_resume_all: dlqResumeAllInputs,
  dlq_restart: dlqRestartInputs,
  dlq_delete: dlqDeleteInputs,
  dlq_retry_failure_callback: dlqRetryFailureCallbackInputs,
  flow_control_status: flowControlStatusInputs,
  flow_control_update: flowControlUpdateInputs,
  workflow_runs: workflowRunsInputs,
};

export type Category = "valid" | "nearMiss" | "wrongTypes" | "huge" | "deep" | "prototype";

export interface GeneratedCall {
  category: Category;
  args: Args;
}

/** A tool's valid argument objects: its own, or any subset of its fields, each valid. */
function validArgs(inputs: ToolInputs, fields: Fields): fc.Arbitrary<Args> {
  return inputs.valid ? inputs.valid(fields) : validRecord(fields, 0);
}

/** Every slot (and some that do not exist) filled with junk. */
function wrongTypes(fields: Fields): fc.Arbitrary<Args> {
  const names = [...Object.keys(fields), "all", "dlqId", "ids", "filters"];
  return fc
    .subarray(names, { minLength: 1 })
    .chain((chosen) =>
      fc
        .tuple(...chosen.map(() => junk))
        .map((values) => objectOf(chosen.map((name, index) => [name, values[index]] as const))),
    );
}

/** Payloads far past every limit, in each slot that takes strings, lists or objects. */
function hugeArgs(inputs: ToolInputs, fields: Fields): fc.Arbitrary<Args> {
  const base = validArgs(inputs, fields);
  const placed = (slot: string, value: fc.Arbitrary<unknown>) =>
    fc.tuple(base, value).map(([args, big]) => {
      const result = { ...args };
      if (slot.startsWith("filter.")) {
        const filter =
          typeof result.filter === "object" && result.filter !== null ? { ...result.filter } : {};
        own(filter, slot.slice("filter.".length), big);
        result.filter = filter;
      } else if (slot === "flowControl.key") {
        result.flowControl = { key: big, rate: 1 };
      } else {
        own(result, slot, big);
      }
      return result;
    });
  const stringSlots = [
    "cursor",
    "flowControl.key",
    "filter.label",
    "filter.workflowRunId",
    "filter.fromDate",
  ];
  const options: fc.Arbitrary<Args>[] = [
    fc.constantFrom(...stringSlots).chain((slot) => placed(slot, hugeString)),
    placed(
      "filter.workflowUrl",
      hugeString.map((text) => [text, text]),
    ),
    fc.tuple(base, hugeString).map(([args, key]) => own({ ...args }, key, 1)),
    fc.tuple(base, manyKeys).map(([args, keys]) => ({ ...args, ...keys })),
    placed("filter", manyKeys),
  ];
  if (inputs.hugeIdLists) {
    options.push(hugeIdList.map((dlqIds) => ({ dlqIds })));
    options.push(
      fc.constantFrom<HugeIdKind>("number", "empty", "tooLong", "mixed").map((kind) => ({
        dlqIds: idList(LIMITS.dlqIdsPerCall, kind),
      })),
    );
  } else {
    options.push(placed("cursor", hugeIdList));
  }
  return fc.oneof(...options);
}

/** Prototype names as members at the top level and inside each nested object. */
function prototypeArgs(inputs: ToolInputs, fields: Fields, seeds: Seeds): fc.Arbitrary<Args> {
  const slots = inputs.prototypeSlots ?? { filter: "filter", flowControl: "flowControl" };
  const key = fc.constantFrom(...PROTOTYPE_KEYS);
  const valuey = fc.oneof(junk, fc.constant({ dlqIds: ["dlq_x"] }), fc.constant({ polluted: true }));
  const filterBase = filterArbitraries(seeds.now).valid;
  return fc.oneof(
    fc
      .tuple(validArgs(inputs, fields), key, valuey)
      .map(([args, name, value]) => own({ ...args }, name, value)),
    fc
      .tuple(filterBase, key, valuey)
      .map(([filter, name, value]) => ({ [slots.filter]: own({ ...filter }, name, value) })),
    fc
      .tuple(flowControlField.valid, key, valuey)
      .map(([flowControl, name, value]) =>
        slots.flowControl === null
          ? own({}, name, value)
          : { [slots.flowControl]: own({ ...(flowControl as Args) }, name, value) },
      ),
    fc.tuple(key, valuey).map(([name, value]) => own({}, name, value)),
  );
}

export function callArbitrary(tool: ToolName, seeds: Seeds): fc.Arbitrary<GeneratedCall> {
  const inputs = TOOL_INPUTS[tool];
  const fields = inputs.fields(seeds);
  const valid = validArgs(inputs, fields);
  const tagged = (category: Category, args: fc.Arbitrary<Args>) =>
    args.map((value) => ({ category, args: value }));
  const broken = valid.chain((base) => breakOne(fields, base));
  const nearMiss = inputs.mistakes ? fc.oneof(broken, inputs.mistakes(fields)) : broken;
  return fc.oneof(
    { weight: 20, arbitrary: tagged("valid", valid) },
    { weight: 40, arbitrary: tagged("nearMiss", nearMiss) },
    { weight: 22, arbitrary: tagged("wrongTypes", wrongTypes(fields)) },
    { weight: 8, arbitrary: tagged("prototype", prototypeArgs(inputs, fields, seeds)) },
    { weight: 6, arbitrary: tagged("huge", hugeArgs(inputs, fields)) },
    {
      weight: 4,
      arbitrary: tagged(
        "deep",
        fc
          .tuple(fc.constantFrom("filter", "flowControl", "dlqIds", "cursor", "x"), deepJunk)
          .map(([slot, value]) => own({}, slot, value)),
      ),
    },
  );
}

/**
 * Keeps a valid call cheap: resumes page at most twice (the default is ten), so thousands of
 * them still run in seconds against the emulator. Tools without pages to bound are left alone.
 */
export function boundValidCall(tool: ToolName, call: GeneratedCall): GeneratedCall {
  if (!TOOL_INPUTS[tool].boundPages || call.args.maxPages !== undefined) return call;
  return { ...call, args: own({ ...call.args }, "maxPages", 2) };
}
