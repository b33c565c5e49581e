// A vitest reporter for the interop configs: under CI (which installs the daemons and tools and
// runs as root) a skipped interop test means a prerequisite is missing, and the run must not pass
// as if it had been checked. Elsewhere skipping (with the reason printed by the test) is allowed.
export default class NoSkipUnderCI {
  onTestRunEnd(testModules) {
    if (!process.env.CI || process.env.CI === "false") return;
    const skipped = [];
    for (const m of testModules)
      for (const t of m.children.allTests())
        if (t.result().state === "skipped") skipped.push(`  ${m.moduleId}: ${t.fullName}`);
    if (skipped.length === 0) return;
    console.error(
      `interop: ${skipped.length} test(s) skipped under CI — a prerequisite is missing:\n${skipped.join("\n")}`,
    );
    process.exitCode = 1;
  }
}
