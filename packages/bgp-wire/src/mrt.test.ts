import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FIXTURES, reference, SHARED, sharedPresent } from "../test/references";
import { BgpWireError } from "./errors";
import type { MrtRecord } from "./mrt";
import { decodeMrt, mrtFrames, readMrt } from "./mrt-reader";
import { encodeMrtRecord } from "./mrt-writer";
import type { AsPath } from "./path-attributes";
import { parsePrefix } from "./prefix";

/** The AS path as bgpdump prints it (only used where no AS4_PATH merge is involved). */
function pathText(p: AsPath | undefined): string {
  if (p === undefined) return "";
  return p
    .map((s) =>
      s.type === "AS_SEQUENCE"
        ? s.asns.join(" ")
        : s.type === "AS_SET"
          ? `{${s.asns.join(",")}}`
          : s.type === "AS_CONFED_SEQUENCE"
            ? `(${s.asns.join(" ")})`
            : `[${s.asns.join(",")}]`,
    )
    .join(" ");
}

const norm = (addr: string): string =>
  parsePrefix(`${addr}/${addr.includes(":") ? 128 : 32}`).address;

/** Route lines of a bgpdump -m reference: kind|peer|peerAs|prefix[|pathId]|aspath (A/B only). */
function referenceRoutes(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.split("|");
    const kind = f[2];
    if (kind !== "A" && kind !== "B" && kind !== "W") continue;
    const ap = f[0]!.endsWith("_AP");
    const [addr, len] = f[5]!.split("/");
    let key = `${kind}|${norm(f[3]!)}|${f[4]}|${norm(addr!)}/${len}`;
    if (ap) key += `#${f[6]}`;
    if (kind !== "W") key += `|${f[ap ? 7 : 6]}`;
    out.push(key);
  }
  return out.sort();
}

function ourRoutes(records: Iterable<MrtRecord>): string[] {
  const out: string[] = [];
  let peers: readonly { peerAddress: string; peerAs: number }[] = [];
  const pfx = (p: { address: string; length: number; pathId?: number }): string =>
    `${p.address}/${p.length}${p.pathId === undefined ? "" : `#${p.pathId}`}`;
  for (const r of records) {
    if (r.kind === "PEER_INDEX_TABLE") peers = r.peers;
    else if (r.kind === "RIB" && r.prefix !== undefined) {
      for (const e of r.entries) {
        const peer = peers[e.peerIndex]!;
        const p = e.pathId === undefined ? r.prefix : { ...r.prefix, pathId: e.pathId };
        out.push(`B|${peer.peerAddress}|${peer.peerAs}|${pfx(p)}|${pathText(e.attributes.asPath)}`);
      }
    } else if (r.kind === "TABLE_DUMP") {
      out.push(`B|${r.peerAddress}|${r.peerAs}|${pfx(r.prefix)}|${pathText(r.attributes.asPath)}`);
    } else if (r.kind === "BGP4MP_MESSAGE" && r.message?.type === "UPDATE") {
      const m = r.message;
      const a = m.pathAttributes;
      const head = `${r.peerAddress}|${r.peerAs}`;
      for (const p of [...m.withdrawnRoutes, ...(a.mpUnreachNlri?.withdrawnRoutes ?? [])])
        out.push(`W|${head}|${pfx(p)}`);
      for (const p of [...m.nlri, ...(a.mpReachNlri?.nlri ?? [])])
        out.push(`A|${head}|${pfx(p)}|${pathText(a.asPath)}`);
    }
  }
  return out.sort();
}

/**
 * Well-formed files whose routes the structured decoder must reproduce exactly. (bird_bgp and
 * bird6_bgp carry ADD-PATH NLRI in plain MESSAGE records: bgpdump prints misparsed prefixes,
 * the structured decoder reports the UPDATEs as malformed.)
 */
const STRUCTURED = [
  "t2mune-mrtparse/samples/quagga_rib",
  "t2mune-mrtparse/samples/quagga_bgp",
  "t2mune-mrtparse/samples/bird-mrtdump_rib",
  "t2mune-mrtparse/samples/bird6-mrtdump_rib",
  "t2mune-mrtparse/samples/bird-mrtdump_bgp",
  "t2mune-mrtparse/samples/bird6-mrtdump_bgp",
  "t2mune-mrtparse/samples/openbgpd_rib_table",
  "t2mune-mrtparse/samples/openbgpd_rib_table-v2",
  "t2mune-mrtparse/samples/openbgpd_bgp",
  "ripe-ncc-bgpdump/test_data/bview.ipv4_unicast_add_path.gz",
  "ripe-ncc-bgpdump/test_data/bview.ipv6_unicast_add_path.gz",
  "ripe-ncc-bgpdump/test_data/updates.long_withdrawal.gz",
  "ripe-ncc-bgpdump/test_data/updates.20020722.2238.gz",
  "ripe-ncc-bgpdump/test_data/bview.64k_stream_overflow.gz",
  "bgpkit-parser/examples/local_only/updates.bz2",
];

describe("structured MRT decoding agrees with bgpdump's routes", () => {
  it.each(STRUCTURED)("%s", async (name) => {
    const file = path.join(FIXTURES, name);
    const records: MrtRecord[] = [];
    for await (const r of readMrt(file)) records.push(r);
    expect(records.filter((r) => r.kind === "MALFORMED")).toEqual([]);
    expect(ourRoutes(records)).toEqual(referenceRoutes(reference(file)));
  });

  it.runIf(sharedPresent)(
    "shared updates.20070211.0141.gz (BGP4MP, 53k routes, IPv4 multicast in MP_REACH)",
    async () => {
      const file = path.join(SHARED, "ripe-ncc-bgpdump/test_data/updates.20070211.0141.gz");
      const records: MrtRecord[] = [];
      for await (const r of readMrt(file)) records.push(r);
      expect(ourRoutes(records)).toEqual(referenceRoutes(reference(file)));
    },
    60_000,
  );
});

describe("MRT reader", () => {
  it("streams the same records as the in-memory decoder (gzip)", async () => {
    const file = path.join(FIXTURES, "ripe-ncc-bgpdump/test_data/updates.20020722.2238.gz");
    const streamed: unknown[] = [];
    for await (const r of readMrt(file, { intern: false })) streamed.push(r);
    const whole = [...decodeMrt(gunzipSync(readFileSync(file)), { intern: false })];
    expect(streamed).toEqual(whole);
  });

  it("streams bzip2, concatenated streams included, as the same records as the raw file", async () => {
    const file = path.join(FIXTURES, "bzip2/updates.20020722.2238.multistream.bz2");
    const raw = gunzipSync(
      readFileSync(path.join(FIXTURES, "ripe-ncc-bgpdump/test_data/updates.20020722.2238.gz")),
    );
    const streamed: unknown[] = [];
    // From a Node stream in small chunks, so blocks and streams straddle chunk boundaries.
    for await (const r of readMrt(createReadStream(file, { highWaterMark: 512 }), {
      intern: false,
    }))
      streamed.push(r);
    const whole = [...decodeMrt(raw, { intern: false })];
    expect(streamed.length).toBeGreaterThan(100);
    expect(streamed).toEqual(whole);
  });

  it("a corrupt bzip2 stream is a BAD_COMPRESSION error, not a crash or a hang", async () => {
    const bytes = readFileSync(path.join(FIXTURES, "bzip2/updates.20020722.2238.multistream.bz2"));
    const bad = Uint8Array.from(bytes);
    for (let i = 200; i < 260; i++) bad[i] = bad[i]! ^ 0x5a;
    const err = await (async () => {
      for await (const _ of readMrt(bad)) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BgpWireError);
    expect((err as BgpWireError).code).toBe("BAD_COMPRESSION");
  });

  it("a bzip2 input stream that fails midway is an error, not a hang or a silent truncation", async () => {
    const bytes = readFileSync(path.join(FIXTURES, "bzip2/updates.20020722.2238.multistream.bz2"));
    const source = Readable.from(
      (async function* () {
        yield bytes.subarray(0, 4000);
        throw new Error("disk on fire");
      })(),
    );
    const err = await (async () => {
      for await (const _ of readMrt(source)) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BgpWireError);
    expect(String((err as Error).message)).toMatch(/disk on fire/);
  });

  it("reports a truncated final record with its offset and keeps the records before it", () => {
    const file = path.join(FIXTURES, "t2mune-mrtparse/samples/quagga_bgp");
    const bytes = new Uint8Array(readFileSync(file));
    const cut = bytes.subarray(0, bytes.length - 5);
    const records = [...decodeMrt(cut)];
    const last = records.at(-1)!;
    expect(last.kind).toBe("MALFORMED");
    expect(records.slice(0, -1).every((r) => r.kind !== "MALFORMED")).toBe(true);
    expect(() => [...decodeMrt(cut, { strict: true })]).toThrow(/incomplete record/);
  });

  it("re-writes decoded TABLE_DUMP_V2 and BGP4MP records byte-exact", () => {
    for (const name of [
      "t2mune-mrtparse/samples/quagga_rib",
      "t2mune-mrtparse/samples/bird-mrtdump_rib",
      "t2mune-mrtparse/samples/bird6-mrtdump_rib",
      "t2mune-mrtparse/samples/quagga_bgp",
      "t2mune-mrtparse/samples/bird6-mrtdump_bgp",
      "ripe-ncc-bgpdump/test_data/bview.ipv6_unicast_add_path.gz",
    ]) {
      const raw = readFileSync(path.join(FIXTURES, name));
      const bytes = new Uint8Array(raw[0] === 0x1f ? gunzipSync(raw) : raw);
      const frames = [...mrtFrames(bytes)];
      const records = [...decodeMrt(bytes)];
      expect(records.length).toBe(frames.length);
      records.forEach((r, i) => {
        if (
          r.kind !== "RIB" &&
          r.kind !== "PEER_INDEX_TABLE" &&
          r.kind !== "BGP4MP_MESSAGE" &&
          r.kind !== "BGP4MP_STATE_CHANGE"
        )
          return;
        const f = frames[i]!;
        const hl = f.header.microseconds === undefined ? 12 : 16;
        const original = bytes.subarray(f.header.offset, f.header.offset + hl + f.header.length);
        expect(encodeMrtRecord(r)).toEqual(original);
      });
    }
  });
});
