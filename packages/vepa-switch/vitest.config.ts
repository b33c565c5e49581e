import { defineConfig } from "vitest/config";

// Tests import workspace packages from source through the `@dyninfra/source` condition.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test-prop.ts", "test/**/*.test.ts"],
    exclude: ["test/interop/**", "**/node_modules/**"],
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    // Property tests run 100+ cases; CI runs every package at once on two cores.
    testTimeout: 120_000,
  },
});
