import { defineConfig } from "vitest/config";

// `pnpm test:interop` (root): the real kernel's TCP_REPAIR through linux/tcp-repair.py, in network
// namespaces, against the package's model of it.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/interop/**/*.interop.ts"],
    testTimeout: 120_000,
    // Under CI a skipped test means a missing prerequisite: the run fails (see the reporter).
    reporters: ["default", "../../scripts/no-skip-reporter.mjs"],
  },
});
