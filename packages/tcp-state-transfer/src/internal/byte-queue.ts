/**
 * A FIFO of bytes kept as a list of immutable chunks, each a range `(buffer, byteOffset, length)`
 * of some ArrayBuffer. Chunk bytes are never overwritten, so a view handed out (e.g. a segment
 * payload in flight) stays valid for good. Appending a range that continues the last chunk in
 * the same buffer (consecutive segment payloads cut from one write) extends that chunk instead
 * of adding one, so a bulk stream stays a handful of chunks.
 */
const ARENA_BLOCK = 64 * 1024;
const EMPTY = new Uint8Array(0);
const EMPTY_BUFFER = EMPTY.buffer;

export class ByteQueue {
  // Chunk i (for #head ≤ i < #count) is bytes [#offs[i], #offs[i] + #lens[i]) of #bufs[i]. The
  // arrays are never truncated (an emptied queue restarts at slot 0), so a queue that is filled
  // and drained over and over, like a receive queue read after every segment, allocates nothing.
  #bufs: ArrayBufferLike[] = [];
  /** Byte offset of each chunk in its buffer. */
  #offs: number[] = [];
  #lens: number[] = [];
  /** Absolute stream position of each chunk's first byte. */
  #starts: number[] = [];
  /**
   * The array a chunk was appended as, while the chunk is exactly that array (not extended):
   * a copy of the whole chunk then needs no view of it.
   */
  #views: (Uint8Array | undefined)[] = [];
  #head = 0;
  #count = 0;
  /** Absolute position of the first unconsumed byte. */
  #pos = 0;
  /** Absolute position after the last byte. */
  #end = 0;
  /** Block that `copyOut` carves small copies from. */
  #arena: ArrayBuffer = new ArrayBuffer(0);
  #arenaUsed = ARENA_BLOCK;
  /** Block that `append` copies small writes into, back to back (so they merge into a chunk). */
  #inArena: ArrayBuffer = new ArrayBuffer(0);
  #inArenaUsed = ARENA_BLOCK;

  constructor(initial?: Uint8Array) {
    if (initial !== undefined) this.append(initial);
  }

  get length(): number {
    return this.#end - this.#pos;
  }

  /** Appends a copy of `bytes`. */
  append(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    if (n > ARENA_BLOCK >> 4) {
      // A plain copy (`slice` of a Node `Buffer` would be a view); the constructor copies into
      // fresh memory without zero-filling it first.
      const copy = new Uint8Array(bytes);
      this.#appendRange(copy.buffer, 0, n, copy);
      return;
    }
    // Small writes (BGP messages) are copied back to back into a block: one allocation per
    // block instead of per write, and consecutive writes form one chunk.
    if (this.#inArenaUsed + n > ARENA_BLOCK) {
      this.#inArena = new ArrayBuffer(ARENA_BLOCK);
      this.#inArenaUsed = 0;
    }
    new Uint8Array(this.#inArena, this.#inArenaUsed, n).set(bytes);
    this.#appendRange(this.#inArena, this.#inArenaUsed, n, undefined);
    this.#inArenaUsed += n;
  }

  /** Appends `bytes` without copying; the caller promises never to mutate them. */
  appendOwned(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#appendRange(bytes.buffer, bytes.byteOffset, bytes.length, bytes);
  }

  /**
   * Moves the first `n` bytes (at most all) to the end of `dst` without copying them or
   * allocating a view: both queues treat their bytes as immutable.
   */
  moveTo(dst: ByteQueue, n: number): void {
    const total = Math.min(n, this.length);
    if (total <= 0) return;
    let left = total;
    let abs = this.#pos;
    let i = this.#find(abs);
    while (left > 0) {
      const from = abs - this.#starts[i]!;
      const take = Math.min(left, this.#lens[i]! - from);
      dst.#appendRange(this.#bufs[i]!, this.#offs[i]! + from, take, undefined);
      left -= take;
      abs += take;
      i++;
    }
    this.consume(total);
  }

  #appendRange(buf: ArrayBufferLike, off: number, n: number, view: Uint8Array | undefined): void {
    const last = this.#count - 1;
    if (
      last >= this.#head &&
      this.#bufs[last] === buf &&
      this.#offs[last]! + this.#lens[last]! === off
    ) {
      this.#lens[last]! += n;
      this.#views[last] = undefined;
    } else {
      const i = this.#count++;
      this.#bufs[i] = buf;
      this.#offs[i] = off;
      this.#lens[i] = n;
      this.#starts[i] = this.#end;
      this.#views[i] = view;
    }
    this.#end += n;
  }

  /** Index of the chunk holding absolute position `abs` (which must be queued). */
  #find(abs: number): number {
    let lo = this.#head;
    let hi = this.#count - 1;
    // Fast paths: the head chunk (reads, acknowledged data) and the tail chunk (new data).
    if (lo >= hi || this.#starts[lo + 1]! > abs) return lo;
    if (this.#starts[hi]! <= abs) return hi;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= abs) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `len` bytes starting `offset` bytes after the head (a view when inside one chunk). */
  view(offset: number, len: number): Uint8Array {
    if (len <= 0) return EMPTY;
    const abs = this.#pos + offset;
    let i = this.#find(abs);
    const from = abs - this.#starts[i]!;
    // A view by constructor: much cheaper than `subarray` (no species lookup).
    if (from + len <= this.#lens[i]!)
      return new Uint8Array(this.#bufs[i]!, this.#offs[i]! + from, len);
    const out = new Uint8Array(len);
    let n = 0;
    let f = from;
    while (n < len) {
      const take = Math.min(len - n, this.#lens[i]! - f);
      out.set(new Uint8Array(this.#bufs[i]!, this.#offs[i]! + f, take), n);
      n += take;
      f = 0;
      i++;
    }
    return out;
  }

  consume(n: number): void {
    this.#pos += Math.min(n, this.length);
    const starts = this.#starts;
    const lens = this.#lens;
    const bufs = this.#bufs;
    const views = this.#views;
    const count = this.#count;
    let h = this.#head;
    while (h < count && starts[h]! + lens[h]! <= this.#pos) {
      bufs[h] = EMPTY_BUFFER; // release the memory of consumed chunks
      views[h] = undefined;
      h++;
    }
    if (h === count) {
      this.#head = 0;
      this.#count = 0;
    } else if (h > 64 && h * 2 > count) {
      // Move the live chunks to the front.
      const offs = this.#offs;
      for (let k = h; k < count; k++) {
        bufs[k - h] = bufs[k]!;
        offs[k - h] = offs[k]!;
        lens[k - h] = lens[k]!;
        starts[k - h] = starts[k]!;
        views[k - h] = views[k];
        bufs[k] = EMPTY_BUFFER;
        views[k] = undefined;
      }
      this.#head = 0;
      this.#count = count - h;
    } else {
      this.#head = h;
    }
  }

  /**
   * A private copy of the first `len` bytes. Small copies are carved out of an arena block
   * (memory nobody else references), which spares one buffer allocation per read.
   */
  copyOut(len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const abs = this.#pos;
    const i = this.#find(abs);
    const from = abs - this.#starts[i]!;
    const chunkLen = this.#lens[i]!;
    if (from + len > chunkLen) return this.view(0, len);
    const whole = from === 0 && len === chunkLen ? this.#views[i] : undefined;
    const src = whole ?? new Uint8Array(this.#bufs[i]!, this.#offs[i]! + from, len);
    if (len > ARENA_BLOCK >> 4) return new Uint8Array(src);
    if (this.#arenaUsed + len > ARENA_BLOCK) {
      this.#arena = new ArrayBuffer(ARENA_BLOCK);
      this.#arenaUsed = 0;
    }
    const out = new Uint8Array(this.#arena, this.#arenaUsed, len);
    out.set(src);
    this.#arenaUsed += len;
    return out;
  }

  /** A copy of the whole queue. */
  copy(): Uint8Array {
    return this.copyOut(this.length);
  }
}
