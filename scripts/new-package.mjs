#!/usr/bin/env node
// Lays down a new package (or, with --example, a private example system) with the house
// conventions: strict exports map (ESM + CJS + types, `@dyninfra/source` condition, `./testing`
// subpath), tsup, vitest, typedoc, README skeleton, an error base class, a unit test, a property
// test and a benchmark. Usage: pnpm new-package <name> [--description "..."] [--example]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const example = args.includes("--example");
const descIdx = args.indexOf("--description");
const description = descIdx >= 0 ? args[descIdx + 1] : undefined;
const name = args.find((a, i) => !a.startsWith("--") && (descIdx < 0 || i !== descIdx + 1));

if (!name || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
  console.error("usage: pnpm new-package <kebab-case-name> [--description TEXT] [--example]");
  process.exit(2);
}
const dir = join(root, example ? "examples" : "packages", name);
if (existsSync(dir)) {
  console.error(`new-package: ${dir} already exists`);
  process.exit(1);
}
const pkgName = example ? `@dyninfra/example-${name}` : `@dyninfra/${name}`;
const pascal = name.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());
const snake = name.replace(/-/g, "_");
const desc = description ?? `${pascal}: TODO one-line description of what this package models`;
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dev = rootPkg.devDependencies;

const entry = (file) => ({
  "@dyninfra/source": `./src/${file}.ts`,
  import: { types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` },
  require: { types: `./dist/${file}.d.cts`, default: `./dist/${file}.cjs` },
});

const manifest = {
  name: pkgName,
  version: "0.0.0",
  description: desc,
  license: "MIT",
  ...(example ? { private: true } : {}),
  type: "module",
  sideEffects: false,
  engines: { node: ">=20" },
  repository: {
    type: "git",
    url: "git+https://github.com/dyninfra/dyninfra.git",
    directory: `${example ? "examples" : "packages"}/${name}`,
  },
  keywords: ["dyninfra"],
  exports: {
    ".": entry("index"),
    "./testing": entry("testing"),
    "./internal/*": null,
    "./package.json": "./package.json",
  },
  main: "./dist/index.cjs",
  module: "./dist/index.js",
  types: "./dist/index.d.cts",
  files: ["dist", "src", "!src/**/*.test.ts", "!src/**/*.test-prop.ts"],
  scripts: {
    build: "tsup",
    test: "vitest run",
    "test:watch": "vitest",
    typecheck: "tsc --noEmit",
    "check:package": "publint --strict && attw --pack . --profile node16",
    bench: "tsx bench/index.ts",
    ...(example ? { demo: "tsx src/cli.ts" } : {}),
  },
  peerDependencies: { "fast-check": `^${dev["fast-check"]}` },
  peerDependenciesMeta: { "fast-check": { optional: true } },
  devDependencies: {
    "@arethetypeswrong/cli": dev["@arethetypeswrong/cli"],
    "@fast-check/vitest": dev["@fast-check/vitest"],
    "@types/node": dev["@types/node"],
    "fast-check": dev["fast-check"],
    publint: dev.publint,
    tsup: dev.tsup,
    tsx: dev.tsx,
    typescript: dev.typescript,
    vitest: dev.vitest,
  },
  ...(example ? {} : { publishConfig: { access: "public" } }),
};

const files = {
  "package.json": `${JSON.stringify(manifest, null, 2)}\n`,
  "tsconfig.json": `${JSON.stringify(
    {
      extends: "../../tsconfig.base.json",
      include: ["src", "bench", "test", "*.config.ts"],
    },
    null,
    2,
  )}\n`,
  "typedoc.json": `${JSON.stringify(
    {
      $schema: "https://typedoc.org/schema.json",
      entryPoints: ["src/index.ts", "src/testing.ts"],
      readme: "README.md",
    },
    null,
    2,
  )}\n`,
  "tsup.config.ts": `import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", testing: "src/testing.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
`,
  "vitest.config.ts": `import { defineConfig } from "vitest/config";

// Tests import workspace packages from source through the \`@dyninfra/source\` condition.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test-prop.ts", "test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    // Property tests run 100+ cases; CI runs every package at once on two cores.
    testTimeout: 120_000,
  },
});
`,
  "README.md": `# ${pkgName}

${desc}

## What it models

TODO: the system or protocol this package models, in the field's own words, citing the RFC or
datasheet sections it follows.

## Install

\`\`\`sh
npm install ${pkgName}
\`\`\`

## Example

\`\`\`ts
import { ${pascal}Error } from "${pkgName}";

const error = new ${pascal}Error("EXAMPLE", "what went wrong", { offset: 0 });
console.log(${pascal}Error.isInstance(error), error.code, error.message);
\`\`\`

## API

- \`${pascal}Error\` — the base class of every error this package throws; \`code\` is stable.

Arbitraries for property tests of code that uses this package: \`${pkgName}/testing\`.

## Invariants

Stated as fast-check properties in \`src/*.test-prop.ts\`:

- TODO

## Formats

TODO: the real formats this package reads and writes.

## Benchmarks

\`pnpm bench\` prints \`BENCH <metric> <value> <unit>\` lines.
`,
  "src/index.ts": `export type { ${pascal}ErrorWhere } from "./errors";
export { ${pascal}Error } from "./errors";
`,
  "src/errors.ts": `const marker = Symbol.for("${pkgName}/error");

/** Where an error was detected in the input: byte offset, line, field. */
export interface ${pascal}ErrorWhere {
  readonly offset?: number;
  readonly line?: number;
  readonly field?: string;
}

/**
 * Base class of every error thrown by \`${pkgName}\`.
 *
 * @example
 * \`\`\`ts
 * try {
 *   throw new ${pascal}Error("EXAMPLE", "bad input", { offset: 3 });
 * } catch (e) {
 *   if (${pascal}Error.isInstance(e)) console.log(e.code, e.where.offset);
 * }
 * \`\`\`
 */
export class ${pascal}Error extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** Where in the input the problem was found. */
  readonly where: ${pascal}ErrorWhere;
  /** @internal Realm-safe brand checked by \`isInstance\`. */
  readonly [marker] = true;

  constructor(code: string, message: string, where: ${pascal}ErrorWhere = {}, options?: ErrorOptions) {
    const at = [
      where.offset !== undefined ? \`offset \${where.offset}\` : undefined,
      where.line !== undefined ? \`line \${where.line}\` : undefined,
      where.field !== undefined ? \`field \${where.field}\` : undefined,
    ].filter((s) => s !== undefined);
    super(at.length > 0 ? \`\${message} (at \${at.join(", ")})\` : message, options);
    this.name = "${pascal}Error";
    this.code = code;
    this.where = where;
  }

  /** True for errors of this package, also across copies of the package (realm-safe). */
  static isInstance(value: unknown): value is ${pascal}Error {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}
`,
  "src/errors.test.ts": `import { describe, expect, it } from "vitest";
import { ${pascal}Error } from "./errors";

describe("${pascal}Error", () => {
  it("carries a stable code and says where", () => {
    const e = new ${pascal}Error("BAD_LENGTH", "length out of range", { offset: 19, field: "length" });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(${pascal}Error.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(${pascal}Error.isInstance(new Error("x"))).toBe(false);
    expect(${pascal}Error.isInstance(null)).toBe(false);
  });
});
`,
  "src/errors.test-prop.ts": `import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { arbitrary${pascal}ErrorWhere } from "./testing";
import { ${pascal}Error } from "./errors";

test.prop([fc.string(), fc.string(), arbitrary${pascal}ErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new ${pascal}Error(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(${pascal}Error.isInstance(e)).toBe(true);
  },
);
`,
  "src/testing.ts": `import fc from "fast-check";
import type { ${pascal}ErrorWhere } from "./errors";

/** Arbitrary error locations, for property tests of code that reports \`${pkgName}\` errors. */
export function arbitrary${pascal}ErrorWhere(): fc.Arbitrary<${pascal}ErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}
`,
  "bench/index.ts": `// Benchmarks for ${pkgName}. Prints \`BENCH <metric> <value> <unit>\` lines (see DESIGN.md).
import { ${pascal}Error } from "${pkgName}";

function measure(label: string, iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 10_000); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = iterations / seconds;
  console.error(\`\${label}: \${iterations} iterations in \${seconds.toFixed(3)} s\`);
  return perSecond;
}

let sink = 0;
const rate = measure("construct errors", 200_000, (i) => {
  sink += new ${pascal}Error("X", "m", { offset: i }).code.length;
});
if (sink === 0) throw new Error("benchmark optimised away");
console.log(\`BENCH ${snake}_errors_per_s \${Math.round(rate)} errors/s\`);
`,
};
if (example) {
  files["src/cli.ts"] = `// Entry point of the ${name} example (\`pnpm demo\`).
console.log("${pkgName}: TODO");
`;
}

for (const [rel, content] of Object.entries(files)) {
  const path = join(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
// Lay the files out exactly as the house formatter would.
const biome = join(root, "node_modules", ".bin", "biome");
if (existsSync(biome)) spawnSync(biome, ["check", "--write", dir], { stdio: "ignore" });
console.log(`created ${pkgName} in ${dir}`);
console.log(`next: pnpm install && pnpm --filter ${pkgName} test`);
