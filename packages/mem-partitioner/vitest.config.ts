import { defineConfig } from "vitest/config";

// Tests import workspace packages from source through the `@dyninfra/source` condition.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test-prop.ts", "test/**/*.test.ts"],
    // Property tests build many page tables; the machine is shared, so allow slow runs.
    testTimeout: 120_000,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
  },
});
