// `dmar` command: decode an ACPI DMAR table to JSON, encode JSON back to the binary table, or
// print an `iasl -d`-style dump.
import { readFileSync, writeFileSync } from "node:fs";
import { decodeDmar, encodeDmar } from "../dmar";
import { dumpDmar } from "../dmar-dump";
import { dmarFromJson, dmarToJson } from "../dmar-json";
import { IommuModelError } from "../errors";

const USAGE = `usage: dmar decode FILE            ACPI DMAR table -> JSON on stdout
       dmar encode FILE.json [-o OUT]  JSON -> binary table (stdout unless -o)
       dmar dump FILE              iasl -d style field dump
options: --no-verify (decode/dump: accept a wrong checksum)`;

/** Streams the CLI writes to (replaceable in tests). */
export interface DmarCliIo {
  readonly stdout: (data: string | Uint8Array) => void;
  readonly stderr: (text: string) => void;
}

const processIo: DmarCliIo = {
  stdout: (d) => process.stdout.write(d),
  stderr: (t) => process.stderr.write(t),
};

/**
 * Runs the `dmar` command with `args` (without the program name) and returns the exit status.
 *
 * @example
 * ```ts
 * const status = main(["decode", "/sys/firmware/acpi/tables/DMAR"]);
 * ```
 */
export function main(args: readonly string[], io: DmarCliIo = processIo): number {
  const [command, file, ...rest] = args;
  const verify = !rest.includes("--no-verify");
  if (command === "--help" || command === "-h") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (
    command === undefined ||
    file === undefined ||
    !["decode", "encode", "dump"].includes(command)
  ) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  try {
    if (command === "decode") {
      const table = decodeDmar(readFileSync(file), { verifyChecksum: verify });
      io.stdout(`${JSON.stringify(dmarToJson(table), null, 2)}\n`);
    } else if (command === "dump") {
      io.stdout(dumpDmar(decodeDmar(readFileSync(file), { verifyChecksum: verify })));
    } else {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, "utf8"));
      } catch (e) {
        throw new IommuModelError("DMAR_JSON", `${file} is not JSON: ${(e as Error).message}`);
      }
      const bytes = encodeDmar(dmarFromJson(json));
      const o = rest.indexOf("-o");
      if (o >= 0 && rest[o + 1] !== undefined) writeFileSync(rest[o + 1]!, bytes);
      else io.stdout(bytes);
    }
    return 0;
  } catch (e) {
    if (IommuModelError.isInstance(e)) {
      io.stderr(`dmar: ${file}: ${e.message} [${e.code}]\n`);
      return 1;
    }
    if (e instanceof Error && "code" in e && typeof e.code === "string" && e.code.startsWith("E")) {
      io.stderr(`dmar: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const invokedDirectly =
  typeof process !== "undefined" &&
  process.argv[1] !== undefined &&
  /dmar(?:\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
