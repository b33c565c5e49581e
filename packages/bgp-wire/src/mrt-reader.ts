import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import unbzip2 from "unbzip2-stream";
import { BgpWireError } from "./errors";
import type { MrtDecodeState, MrtHeader, MrtRecord } from "./mrt";
import { AttributeCache, decodeMrtRecord } from "./mrt";

/**
 * Options of the MRT readers.
 *
 * @example
 * ```ts
 * import type { MrtReadOptions } from "@dyninfra/bgp-wire";
 * const o: MrtReadOptions = { strict: false, intern: true };
 * ```
 */
export interface MrtReadOptions {
  /** Throw {@link BgpWireError} on the first malformed record instead of yielding `MALFORMED`. */
  readonly strict?: boolean;
  /**
   * Share one decoded {@link PathAttributes} object among records with identical attribute
   * bytes (default true): faster, and attribute sets compare by identity. A shared set is frozen
   * (see {@link AttributeCache}).
   */
  readonly intern?: boolean;
}

/**
 * One framed MRT record: its header and message bytes (a view, valid until the next record is
 * read from a stream), before decoding.
 *
 * @example
 * ```ts
 * import type { MrtFrame } from "@dyninfra/bgp-wire";
 * const f: MrtFrame = { header: { timestamp: 0, type: 13, subtype: 1, length: 0, offset: 0 }, body: new Uint8Array() };
 * ```
 */
export interface MrtFrame {
  readonly header: MrtHeader;
  readonly body: Uint8Array;
}

/** A truncated final record: what the header promised and what was there. */
export interface MrtTruncation {
  readonly offset: number;
  readonly reason: string;
}

function frameAt(buf: Uint8Array, pos: number, base: number, eof = false): MrtFrame | "need-more" {
  const f = frameAtRaw(buf, pos, base);
  if (f !== "need-more-or-eof") return f;
  if (!eof) return "need-more";
  const g = frameAtRaw(buf, pos, base, true);
  return g === "need-more-or-eof" ? "need-more" : g;
}

function frameAtRaw(
  buf: Uint8Array,
  pos: number,
  base: number,
  noCorrection = false,
): MrtFrame | "need-more" | "need-more-or-eof" {
  if (buf.length - pos < 12) return "need-more";
  const b = buf;
  const timestamp =
    ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
  const type = (b[pos + 4]! << 8) | b[pos + 5]!;
  const subtype = (b[pos + 6]! << 8) | b[pos + 7]!;
  let length =
    ((b[pos + 8]! << 24) | (b[pos + 9]! << 16) | (b[pos + 10]! << 8) | b[pos + 11]!) >>> 0;
  let hlen = 12;
  let microseconds: number | undefined;
  // RFC 6396 §3: extended timestamp types carry microseconds inside the length.
  if (type === 17 || type === 33 || type === 49) {
    if (buf.length - pos < 16) return "need-more";
    microseconds =
      ((b[pos + 12]! << 24) | (b[pos + 13]! << 16) | (b[pos + 14]! << 8) | b[pos + 15]!) >>> 0;
    if (length < 4) {
      throw new BgpWireError(
        "MALFORMED_MRT_HEADER",
        `extended-timestamp record length ${length} < 4`,
        {
          offset: base + pos + 8,
          field: "Length",
        },
      );
    }
    length -= 4;
    hlen = 16;
  }
  if (buf.length - pos - hlen < length) return "need-more";
  let correction = 0;
  if (type === 12 && noCorrection) {
    // At the end of the data: only the last record can be short, by exactly the 4 octets left.
    if (pos + hlen + length + 4 === buf.length) correction = 4;
  } else if (type === 12) {
    // Early RIS TABLE_DUMP files declare records 4 octets short: accept +4 when the declared end
    // is not a plausible header but the corrected one is (or is the end of the data).
    const end = pos + hlen + length;
    if (end < buf.length && !plausibleHeader(buf, end, timestamp)) {
      if (buf.length - end < 16 + 4) return "need-more-or-eof";
      if (plausibleHeader(buf, end + 4, timestamp) || end + 4 === buf.length) correction = 4;
    }
  }
  length += correction;
  const header: MrtHeader =
    microseconds === undefined
      ? { timestamp, type, subtype, length, offset: base + pos }
      : { timestamp, type, subtype, length, microseconds, offset: base + pos };
  return {
    header: correction === 0 ? header : { ...header, lengthCorrection: correction },
    body: buf.subarray(pos + hlen, pos + hlen + length),
  };
}

/** A header at `at` that looks like the previous one's neighbour (same epoch, known type). */
function plausibleHeader(b: Uint8Array, at: number, timestamp: number): boolean {
  if (at + 12 > b.length) return false;
  const t = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const type = (b[at + 4]! << 8) | b[at + 5]!;
  return (
    Math.abs(t - timestamp) < 86400 * 7 &&
    (type === 5 || type === 12 || type === 13 || type === 16 || type === 17)
  );
}

function describeTruncation(buf: Uint8Array, pos: number, base: number): MrtTruncation {
  const left = buf.length - pos;
  if (left < 12)
    return { offset: base + pos, reason: `incomplete MRT header (${left} octets left, 12 needed)` };
  const length = new DataView(buf.buffer, buf.byteOffset + pos + 8, 4).getUint32(0);
  return {
    offset: base + pos,
    reason: `incomplete record: Length says ${length} octets, ${left - 12} left`,
  };
}

/**
 * Frames MRT records in a complete, decompressed buffer. Yields frames; a truncated tail is
 * reported through `onTruncated` (or thrown as {@link BgpWireError} when not given).
 *
 * @example
 * ```ts
 * import { mrtFrames } from "@dyninfra/bgp-wire";
 * [...mrtFrames(new Uint8Array(0))].length; // 0
 * ```
 */
export function* mrtFrames(
  bytes: Uint8Array,
  onTruncated?: (t: MrtTruncation) => void,
): Generator<MrtFrame> {
  let pos = 0;
  while (pos < bytes.length) {
    const f = frameAt(bytes, pos, 0, true);
    if (f === "need-more") {
      const t = describeTruncation(bytes, pos, 0);
      if (onTruncated === undefined)
        throw new BgpWireError("TRUNCATED_MRT_RECORD", t.reason, { offset: t.offset });
      onTruncated(t);
      return;
    }
    yield f;
    pos +=
      (f.header.type === 17 || f.header.type === 33 || f.header.type === 49 ? 16 : 12) +
      f.header.length;
  }
}

function decodeFrame(
  f: MrtFrame,
  state: MrtDecodeState,
  cache: AttributeCache | undefined,
  strict: boolean,
): MrtRecord {
  try {
    return decodeMrtRecord(f.header, f.body, state, cache);
  } catch (e) {
    if (!BgpWireError.isInstance(e) || strict) throw e;
    return {
      kind: "MALFORMED",
      header: f.header,
      body: f.body.slice(),
      reason: e.message,
      at: e.where.offset ?? f.header.offset,
    };
  }
}

/**
 * Decodes every MRT record of a complete, decompressed buffer (RFC 6396, RFC 8050).
 * Malformed records become `MALFORMED` records (or throw with `strict`); a truncated final
 * record becomes a `MALFORMED` record too.
 *
 * @example
 * ```ts
 * import { decodeMrt } from "@dyninfra/bgp-wire";
 * for (const record of decodeMrt(new Uint8Array(0))) console.log(record.kind);
 * ```
 */
export function* decodeMrt(input: Uint8Array, options: MrtReadOptions = {}): Generator<MrtRecord> {
  // A plain Uint8Array view: subarrays of Node Buffers are markedly slower to create.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const state: MrtDecodeState = { peers: [] };
  const cache = options.intern === false ? undefined : new AttributeCache();
  let truncated: MrtTruncation | undefined;
  for (const f of mrtFrames(bytes, (t) => {
    truncated = t;
  })) {
    yield decodeFrame(f, state, cache, options.strict === true);
  }
  if (truncated !== undefined) yield truncatedRecord(truncated, options);
}

function truncatedRecord(t: MrtTruncation, options: MrtReadOptions): MrtRecord {
  if (options.strict === true)
    throw new BgpWireError("TRUNCATED_MRT_RECORD", t.reason, { offset: t.offset });
  return {
    kind: "MALFORMED",
    header: { timestamp: 0, type: 0, subtype: 0, length: 0, offset: t.offset },
    body: new Uint8Array(0),
    reason: t.reason,
    at: t.offset,
  };
}

/** Anything the streaming reader accepts. */
export type MrtSource = string | Uint8Array | AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

async function* chunks(source: MrtSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  const stream =
    typeof source === "string" ? createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  for await (const c of stream as AsyncIterable<Uint8Array | string>) {
    yield typeof c === "string" ? Buffer.from(c, "latin1") : c;
  }
}

/**
 * The chunks of a classic (`through`) stream, with backpressure: it is paused while more than a
 * few chunks wait to be consumed. Ends on `end`, throws its `error`.
 */
async function* classicStream(s: NodeJS.ReadWriteStream): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let done = false;
  let failed = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  s.on("data", (c: Uint8Array) => {
    queue.push(c);
    if (queue.length > 16) s.pause();
    notify();
  });
  s.on("end", () => {
    done = true;
    notify();
  });
  s.on("error", (e: unknown) => {
    failed = true;
    error = e;
    notify();
  });
  s.on("close", () => {
    // A classic stream destroyed before its end (its input failed): no silent truncation.
    if (!done && !failed) {
      failed = true;
      error = new Error("stream closed before its end");
    }
    notify();
  });
  for (;;) {
    // What was decoded before a failure is delivered first.
    const c = queue.shift();
    if (c !== undefined) {
      if (queue.length <= 4) s.resume();
      yield c;
      continue;
    }
    if (failed) throw error;
    if (done) return;
    await new Promise<void>((r) => {
      wake = r;
    });
  }
}

/** Decompresses gzip (node:zlib) and bzip2 (unbzip2-stream) transparently, detected by magic bytes. */
async function* decompressed(source: MrtSource): AsyncGenerator<Uint8Array> {
  const it = chunks(source)[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length < 3) {
    const more = await it.next();
    if (more.done) break;
    first = { done: false, value: Buffer.concat([first.value, more.value]) };
  }
  if (first.done) return;
  const head = first.value;
  const rest = async function* (): AsyncGenerator<Uint8Array> {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    const input = Readable.from(rest());
    input.on("error", (e) => gunzip.destroy(e));
    input.pipe(gunzip);
    try {
      for await (const c of gunzip) yield c as Uint8Array;
    } catch (e) {
      throw new BgpWireError("BAD_COMPRESSION", `gzip: ${(e as Error).message}`, {}, { cause: e });
    }
    return;
  }
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) {
    // bzip2 ("BZh"), streamed block by block (concatenated streams included).
    const bunzip = unbzip2();
    const input = Readable.from(rest());
    input.on("error", (e) => bunzip.emit("error", e));
    input.pipe(bunzip);
    try {
      yield* classicStream(bunzip);
    } catch (e) {
      throw new BgpWireError(
        "BAD_COMPRESSION",
        `bzip2: ${String((e as Error).message ?? e)}`,
        {},
        { cause: e },
      );
    }
    return;
  }
  yield* rest();
}

/**
 * Streams the raw MRT frames of a file path, byte array or Node stream; `.gz` and `.bz2`
 * content is decompressed transparently (detected by magic bytes). Frames are views into an
 * internal buffer: copy what you keep. A truncated final record is reported to `onTruncated`.
 *
 * @example
 * ```ts
 * import { readMrtFrames } from "@dyninfra/bgp-wire";
 * async function count(path: string): Promise<number> {
 *   let n = 0;
 *   for await (const _ of readMrtFrames(path)) n++;
 *   return n;
 * }
 * ```
 */
export async function* readMrtFrames(
  source: MrtSource,
  onTruncated?: (t: MrtTruncation) => void,
): AsyncGenerator<MrtFrame> {
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0;
  let base = 0;
  for await (const chunk of decompressed(source)) {
    const c = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (pos < buf.length) {
      const next = new Uint8Array(buf.length - pos + c.length);
      next.set(buf.subarray(pos), 0);
      next.set(c, buf.length - pos);
      buf = next;
    } else buf = c;
    base += pos;
    pos = 0;
    for (;;) {
      const f = frameAt(buf, pos, base);
      if (f === "need-more") break;
      yield f;
      pos +=
        (f.header.type === 17 || f.header.type === 33 || f.header.type === 49 ? 16 : 12) +
        f.header.length;
    }
  }
  // End of data: frames whose length check needed a look beyond them.
  for (;;) {
    const f = frameAt(buf, pos, base, true);
    if (f === "need-more") break;
    yield f;
    pos +=
      (f.header.type === 17 || f.header.type === 33 || f.header.type === 49 ? 16 : 12) +
      f.header.length;
  }
  if (pos < buf.length) {
    const t = describeTruncation(buf, pos, base);
    if (onTruncated === undefined)
      throw new BgpWireError("TRUNCATED_MRT_RECORD", t.reason, { offset: t.offset });
    onTruncated(t);
  }
}

/**
 * Streams decoded MRT records (RFC 6396, RFC 8050) from a file path, byte array or Node
 * stream, `.gz`/`.bz2` transparently. Malformed records are yielded as `MALFORMED` (with the
 * byte offset and reason) and reading continues when the record length allows; with `strict`
 * they throw {@link BgpWireError}.
 *
 * @example
 * ```ts
 * import { readMrt } from "@dyninfra/bgp-wire";
 * async function prefixes(path: string): Promise<number> {
 *   let n = 0;
 *   for await (const r of readMrt(path)) if (r.kind === "RIB") n += r.entries.length;
 *   return n;
 * }
 * ```
 */
export async function* readMrt(
  source: MrtSource,
  options: MrtReadOptions = {},
): AsyncGenerator<MrtRecord> {
  const state: MrtDecodeState = { peers: [] };
  const cache = options.intern === false ? undefined : new AttributeCache();
  let truncated: MrtTruncation | undefined;
  for await (const f of readMrtFrames(source, (t) => {
    truncated = t;
  })) {
    yield decodeFrame(f, state, cache, options.strict === true);
  }
  if (truncated !== undefined) yield truncatedRecord(truncated, options);
}
