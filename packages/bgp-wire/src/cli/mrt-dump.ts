// mrt-dump: `bgpdump -m` / `-M` compatible one-line output for MRT files.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bgpdumpState, formatBgpdump } from "../bgpdump-format";
import { BgpWireError } from "../errors";
import { readMrtFrames } from "../mrt-reader";

const USAGE = `usage: mrt-dump [-m|-M] FILE...
  -m  one line per entry with unix timestamps (as bgpdump -m)
  -M  one line per entry with human-readable timestamps (as bgpdump -M)
Files may be gzip or bzip2 compressed. Records that cannot be read are reported on stderr
with their byte offset; the exit status is 1 when any record was skipped.
`;

/** A writable the CLI writes to (process.stdout/stderr or a test double). */
export interface TextSink {
  write(chunk: string): unknown;
  /** Node streams: wait for "drain" when write returns false (backpressure). */
  once?(event: "drain", listener: () => void): unknown;
}

async function emit(out: TextSink, text: string): Promise<void> {
  if (out.write(text) === false && typeof out.once === "function") {
    await new Promise<void>((resolve) => out.once?.("drain", resolve));
  }
}

/**
 * Runs `mrt-dump` with `args` (without the program name); returns the exit status.
 *
 * @example
 * ```ts
 * // From the package's CLI module (run as `mrt-dump -m FILE`):
 * // const status = await main(["-m", "updates.20020722.2238.gz"], process.stdout, process.stderr);
 * ```
 */
export async function main(args: readonly string[], out: TextSink, err: TextSink): Promise<number> {
  let mode: "m" | "M" | undefined;
  const files: string[] = [];
  for (const a of args) {
    if (a === "-m") mode = "m";
    else if (a === "-M") mode = "M";
    else if (a === "-h" || a === "--help") {
      out.write(USAGE);
      return 0;
    } else if (a.startsWith("-") && a !== "-") {
      err.write(`mrt-dump: unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (mode === undefined || files.length === 0) {
    err.write(USAGE);
    return 2;
  }
  let skipped = 0;
  for (const file of files) {
    const state = bgpdumpState();
    let buf = "";
    try {
      for await (const frame of readMrtFrames(file === "-" ? process.stdin : file, (t) => {
        skipped++;
        err.write(`mrt-dump: ${file}: offset ${t.offset}: ${t.reason}; skipped\n`);
      })) {
        const text = formatBgpdump(frame, mode, state);
        if (text === undefined) {
          skipped++;
          err.write(
            `mrt-dump: ${file}: offset ${frame.header.offset}: record type ${frame.header.type} subtype ${frame.header.subtype} of ${frame.header.length} octets not readable; skipped\n`,
          );
          continue;
        }
        buf += text;
        if (buf.length > 1 << 18) {
          await emit(out, buf);
          buf = "";
        }
      }
    } catch (e) {
      skipped++;
      const where =
        BgpWireError.isInstance(e) && e.where.offset !== undefined
          ? `offset ${e.where.offset}: `
          : "";
      err.write(`mrt-dump: ${file}: ${where}${(e as Error).message}\n`);
    }
    if (buf.length > 0) await emit(out, buf);
  }
  return skipped > 0 ? 1 : 0;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    const self = fileURLToPath(import.meta.url);
    const real = realpathSync(entry);
    return real === self || /mrt-dump(\.js|\.ts)?$/.test(real);
  } catch {
    return false;
  }
}

if (isMain()) {
  main(process.argv.slice(2), process.stdout, process.stderr).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`mrt-dump: ${String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
