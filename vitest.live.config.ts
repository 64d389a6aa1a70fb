import { defineConfig } from "vitest/config";

/**
 * `npm run test:live` (scripts/live.mjs): the live suite alone, against real QStash when
 * QSTASH_TOKEN is set. QStash takes seconds to move a failed run to the DLQ, so the timeouts are
 * long; one file, one worker, and its lines printed as they come.
 */
export default defineConfig({
  test: {
    include: ["test/live/**/*.suite.ts"],
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    disableConsoleIntercept: true,
  },
});
