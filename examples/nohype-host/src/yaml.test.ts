import { resolve } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { prng } from "./churn";
import { DATA_DIR, loadTenants } from "./data";
import { NohypeHostError } from "./errors";
import { parseTenantsYaml } from "./tenants";
import { parseYaml, type YamlValue } from "./yaml";

// An independent emitter for the property: block style by indentation, with collections at
// random in flow style (JSON text is YAML flow), keys plain or quoted, comments here and there.
const PLAIN_KEY = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
const RESERVED = /^(null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

function scalar(v: YamlValue): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function key(k: string, r: () => number): string {
  return PLAIN_KEY.test(k) && !RESERVED.test(k) && r() < 0.7 ? k : JSON.stringify(k);
}

function emit(v: YamlValue, indent: number, r: () => number): string[] {
  const pad = " ".repeat(indent);
  const note = () => (r() < 0.2 ? " # note" : "");
  if (v === null || typeof v !== "object" || r() < 0.25)
    return [
      `${pad}${v !== null && typeof v === "object" ? JSON.stringify(v) : scalar(v)}${note()}`,
    ];
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${pad}[]`];
    return v.flatMap((item) => {
      const inner = emit(item, indent + 2, r);
      // "- " takes the place of the item's own indentation on its first line.
      return [`${pad}- ${inner[0]!.slice(indent + 2)}`, ...inner.slice(1)];
    });
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return [`${pad}{}`];
  return entries.flatMap(([k, x]) => {
    if (x === null || typeof x !== "object" || r() < 0.3)
      return [
        `${pad}${key(k, r)}: ${x !== null && typeof x === "object" ? JSON.stringify(x) : scalar(x)}${note()}`,
      ];
    // A sequence may sit at the key's own indentation.
    const deeper = Array.isArray(x) && r() < 0.5 ? indent : indent + 2;
    const inner = emit(x, deeper, r);
    const head = inner[0]!.trimStart();
    if (head.startsWith("[") || head.startsWith("{"))
      return [`${pad}${key(k, r)}: ${head}`, ...inner.slice(1)];
    return [`${pad}${key(k, r)}:${note()}`, ...inner];
  });
}

const strings = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "52:54:00:0a:00:01",
    "a: b",
    "# not a comment",
    "- x",
    "it's",
    'say "hi"',
    "true",
    "12",
    "0x1f",
    "~",
    "",
  ),
);
const values = fc.letrec<{ v: YamlValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "medium", maxDepth: 4, withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
    strings,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/), fc.string({ maxLength: 6 })),
      tie("v"),
      {
        maxKeys: 4,
      },
    ),
  ),
})).v;

describe("parseYaml", () => {
  test.prop(
    [
      fc.dictionary(
        fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/),
        // Sequences of mappings (as `tenants:` is) besides any value.
        fc.oneof(
          values,
          fc.array(fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), values), { maxLength: 3 }),
        ),
        { minKeys: 1, maxKeys: 5 },
      ),
      fc.integer(),
    ],
    {
      numRuns: 300,
    },
  )("reads back what a block/flow YAML emitter wrote", (doc, seed) => {
    const text = `${emit(doc, 0, prng(seed)).join("\n")}\n`;
    expect(parseYaml(text), text).toEqual(doc);
  });

  it("reads the bundled tenants.yaml as the same tenants as tenants.json", () => {
    expect(loadTenants(resolve(DATA_DIR, "tenants.yaml"))).toEqual(loadTenants());
  });

  it("follows YAML 1.2 core scalars (a MAC stays a string)", () => {
    expect(
      parseYaml(
        "a: 52:54:00:00:00:01\nb: 012\nc: 0x1F\nd: ~\ne: True\nf: 1.5e3\ng: 'it''s'\nh: \"\\u00e9\\t\"\ni: yes\n",
      ),
    ).toEqual({
      a: "52:54:00:00:00:01",
      b: 12,
      c: 31,
      d: null,
      e: true,
      f: 1500,
      g: "it's",
      h: "é\t",
      i: "yes",
    });
    const o = parseYaml("__proto__: 1\n") as Record<string, unknown>;
    expect(Object.hasOwn(o, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });

  it.each([
    ["a: 1\n\tb: 2\n", 2, /Tabs are not allowed/],
    ["a: 1\na: 2\n", 2, /keys must be unique/],
    ["a:\n  b: 1\n   c: 2\n", 2, /Nested mappings are not allowed/],
    ["a: b: c\n", 1, /Nested mappings are not allowed/],
    ["a: 'open\n", 2, /Missing closing 'quote/],
    ["a: 1\n---\nb: 2\n", 2, /multiple documents/],
    ["a: {b: 1\n", 2, /Flow map/],
  ])("refuses %j at line %i", (text, line, message) => {
    try {
      parseYaml(text);
      expect.unreachable();
    } catch (e) {
      expect(NohypeHostError.isInstance(e)).toBe(true);
      expect((e as NohypeHostError).code).toBe("BAD_YAML");
      expect((e as NohypeHostError).where.line).toBe(line);
      expect((e as NohypeHostError).message).toMatch(message);
    }
  });

  it("reads anchors and aliases, block scalars and multi-line flow collections", () => {
    expect(parseYaml("a: &x [1, 2]\nb: *x\nc: |\n  two\n  lines\nd: [3,\n  4]\n")).toEqual({
      a: [1, 2],
      b: [1, 2],
      c: "two\nlines\n",
      d: [3, 4],
    });
  });

  it("tenant errors name the field, as for JSON", () => {
    try {
      parseTenantsYaml("tenants:\n  - name: a\n    vcpus: 0\n    memoryMiB: 1\n");
      expect.unreachable();
    } catch (e) {
      expect((e as NohypeHostError).code).toBe("BAD_TENANT");
      expect((e as NohypeHostError).where.field).toBe("tenants[0].vcpus");
    }
  });
});
