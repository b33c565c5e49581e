import { defineConfig } from "vitest/config";

// `pnpm test:interop`: validates every emitted domain XML with libvirt's virt-xml-validate.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/**/*.interop.ts"],
    testTimeout: 120_000,
    // Under CI a skipped test means a missing prerequisite: the run fails (see the reporter).
    reporters: ["default", "../../scripts/no-skip-reporter.mjs"],
  },
});
