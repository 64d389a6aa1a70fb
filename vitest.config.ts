import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end files spawn server processes; two cores run two files at a time comfortably.
    maxWorkers: 2,
  },
});
