// mrt-dump: `bgpdump -m` / `-M` compatible one-line output for MRT files.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bgpdumpState, formatBgpdump } from "../bgpdump-format";
import { BgpWireError } from "../errors";
import { decodeMrtRecord, type MrtDecodeState } from "../mrt";
import { type MrtFrame, readMrtFrames } from "../mrt-reader";

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

/** Why a record has no bgpdump line: the structured decoder's finding, when it has one. */
function skipReason(frame: MrtFrame, state: MrtDecodeState): string {
  try {
    const r = decodeMrtRecord(frame.header, frame.body, state);
    if (r.kind === "MALFORMED") return r.reason;
    if (r.kind === "UNKNOWN") return "type/subtype not supported";
    if (r.kind === "BGP4MP_MESSAGE") {
      const m = r.rawMessage;
      if (m.length < 19) return "BGP message shorter than its 19-octet header";
      for (let i = 0; i < 16; i++)
        if (m[i] !== 0xff) return "BGP message Marker is not all ones (RFC 4271 §4.1)";
      if (r.errors[0] !== undefined) return r.errors[0].reason;
    }
    return "not in a form bgpdump prints";
  } catch (e) {
    if (BgpWireError.isInstance(e)) return e.message;
    throw e;
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
    const decodeState: MrtDecodeState = { peers: [] };
    let buf = "";
    try {
      for await (const frame of readMrtFrames(file === "-" ? process.stdin : file, (t) => {
        skipped++;
        err.write(`mrt-dump: ${file}: offset ${t.offset}: ${t.reason}; skipped\n`);
      })) {
        const h = frame.header;
        if (h.type === 13 && h.subtype === 1) {
          // Keep the peer table for skipReason's decoding of later RIB records.
          try {
            decodeMrtRecord(h, frame.body, decodeState);
          } catch (e) {
            if (!BgpWireError.isInstance(e)) throw e;
          }
        }
        const text = formatBgpdump(frame, mode, state);
        if (text === undefined) {
          skipped++;
          err.write(
            `mrt-dump: ${file}: offset ${h.offset}: record type ${h.type} subtype ${h.subtype} of ${h.length} octets not readable (${skipReason(frame, decodeState)}); skipped\n`,
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
