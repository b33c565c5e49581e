import { defineConfig } from "vitest/config";

// Tests import workspace packages from source through the `@dyninfra/source` condition.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test-prop.ts", "test/**/*.test.ts"],
    // The test files share no mutable state; one module graph for all keeps the suite fast on
    // the 2-core machines (imports dominated the run time).
    isolate: false,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    // Property tests run 100+ cases; CI runs every package at once on two cores.
    testTimeout: 120_000,
  },
});
