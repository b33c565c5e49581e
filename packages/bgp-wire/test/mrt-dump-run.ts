// Test helper: runs mrt-dump in-process and lists the shared files bgpdump does not read fully.
import { main } from "../src/cli/mrt-dump";

/** Runs `mrt-dump` with `args`, collecting stdout, stderr and the exit status. */
export async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    { write: (s: string) => out.push(s) },
    { write: (s: string) => err.push(s) },
  );
  return { code, out: out.join(""), err: err.join("") };
}

/** Files where bgpdump stops early or skips records: the output matches, and we report. */
export const REPORTED: Record<string, RegExp> = {
  "bgpkit-parser/tests/fixtures/ripe/rrc00/2000.03/updates.20000325.0345.gz":
    /offset 15024: incomplete record/,
  "bgpkit-parser/tests/fixtures/ripe/rrc01/2000.11/updates.20001104.0124.gz":
    /offset 1913: record type 16 subtype 1/,
};

/** Files bgpdump cannot read where mrt-dump does better: bgpdump's lines are a prefix of ours. */
export const BETTER: Record<string, number> = {
  // every record declared 4 octets short: bgpdump prints 1 entry, the file holds 452,018
  "bgpkit-parser/tests/fixtures/ripe/rrc00/2000.01/bview.20000111.0032.gz": 452_018,
  // BGP4MP_ENTRY: bgpdump prints nothing; the 31 RIB entries of the OpenBGPD table-mp dump
  "t2mune-mrtparse/samples/openbgpd_rib_table-mp": 31,
};
