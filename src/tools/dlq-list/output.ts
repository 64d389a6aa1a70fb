/** dlq_list's result: the listed messages or ids, or a summary, and where to continue. */
import { z } from "zod";
import {
  compactMessage,
  errorInfo,
  journalIncomplete,
  nearMisses,
  stopReason,
  summaryOutput,
} from "../shared/output.js";

export const listOutput = z.object({
  scanned: z.number().int().optional().meta({ description: "With where: entries read, matching or not." }),
  messages: z.array(compactMessage).optional().meta({ description: "Absent with idsOnly." }),
  dlqIds: z.array(z.string()).optional().meta({ description: "With idsOnly: the listed entries' dlqIds." }),
  returned: z.number().int(),
  pages: z.number().int(),
  complete: z.boolean(),
  cursor: z.string().optional(),
  stopReason,
  error: errorInfo.optional(),
  summary: summaryOutput.optional(),
  nearMisses,
  journalIncomplete,
});

export type ListResult = z.infer<typeof listOutput>;
