import { defineConfig } from "vitest/config";

// Tests import workspace packages from source through the `@dyninfra/source` condition.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test-prop.ts", "test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    // Real topologies (Kdl, 754 nodes) take seconds to parse when CI builds and tests several
    // packages at once: vitest's 5 s default is a machine-load limit, not a property of the code.
    testTimeout: 120_000,
  },
});
