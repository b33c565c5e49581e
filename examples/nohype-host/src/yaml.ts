// Tenants files in YAML, read with the `yaml` package (eemeli/yaml, ISC) under the YAML 1.2 core
// schema, so a MAC address or a VLAN list stays what it looks like. Every problem the parser
// reports becomes a NohypeHostError BAD_YAML with its line.
import { parseDocument } from "yaml";
import { NohypeHostError } from "./errors";

/** A value of a tenants file (the JSON data model). */
export type YamlValue = null | boolean | number | string | YamlValue[] | { [k: string]: YamlValue };

/**
 * Parses one YAML 1.2 document (core schema; duplicate keys, several documents and any syntax
 * error refused) into JSON-model values.
 *
 * @throws {@link NohypeHostError} `BAD_YAML` with the line.
 * @example
 * ```ts
 * parseYaml("tenants:\n  - name: a\n    vcpus: 2\n"); // { tenants: [{ name: "a", vcpus: 2 }] }
 * ```
 */
export function parseYaml(text: string): YamlValue {
  const doc = parseDocument(text, {
    version: "1.2",
    schema: "core",
    uniqueKeys: true,
    prettyErrors: true,
  });
  const err = doc.errors[0];
  if (err !== undefined) {
    // The parser's message without its own position and excerpt: the error carries the line.
    const message = err.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
    throw new NohypeHostError("BAD_YAML", message, {
      line: err.linePos?.[0].line ?? 1,
    });
  }
  return doc.toJS({ maxAliasCount: 100 }) as YamlValue;
}
