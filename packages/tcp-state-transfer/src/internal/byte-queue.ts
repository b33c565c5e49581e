/**
 * A FIFO of bytes kept as a list of immutable chunks. Views are zero-copy while they fall inside
 * one chunk; chunk bytes are never overwritten, so a view handed out (e.g. a segment payload in
 * flight) stays valid for good.
 */
const ARENA_BLOCK = 256 * 1024;
const EMPTY = new Uint8Array(0);

export class ByteQueue {
  #chunks: Uint8Array[] = [];
  /** Absolute stream position of each chunk's first byte. */
  #starts: number[] = [];
  #head = 0;
  /** Absolute position of the first unconsumed byte. */
  #pos = 0;
  /** Absolute position after the last byte. */
  #end = 0;
  #arena: Uint8Array = EMPTY;
  #arenaUsed = ARENA_BLOCK;

  constructor(initial?: Uint8Array) {
    if (initial !== undefined) this.append(initial);
  }

  get length(): number {
    return this.#end - this.#pos;
  }

  /** Appends a copy of `bytes`. */
  append(bytes: Uint8Array): void {
    if (bytes.length > 0) this.appendOwned(bytes.slice());
  }

  /** Appends `bytes` without copying; the caller promises never to mutate them. */
  appendOwned(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#starts.push(this.#end);
    this.#end += bytes.length;
  }

  #find(abs: number): number {
    let lo = this.#head;
    let hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= abs) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `len` bytes starting `offset` bytes after the head (a view when inside one chunk). */
  view(offset: number, len: number): Uint8Array {
    const abs = this.#pos + offset;
    let i = this.#find(abs);
    const c = this.#chunks[i]!;
    const from = abs - this.#starts[i]!;
    if (from + len <= c.length) return c.subarray(from, from + len);
    const out = new Uint8Array(len);
    let n = 0;
    let f = from;
    while (n < len) {
      const ch = this.#chunks[i++]!;
      const take = Math.min(len - n, ch.length - f);
      out.set(ch.subarray(f, f + take), n);
      n += take;
      f = 0;
    }
    return out;
  }

  consume(n: number): void {
    this.#pos += Math.min(n, this.length);
    const chunks = this.#chunks;
    while (this.#head < chunks.length) {
      const h = this.#head;
      if (this.#starts[h]! + chunks[h]!.length > this.#pos) break;
      this.#head++;
    }
    if (this.#head > 64 && this.#head * 2 > chunks.length) {
      this.#chunks = chunks.slice(this.#head);
      this.#starts = this.#starts.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * A private copy of the first `len` bytes. Small copies are carved out of an arena block
   * (a view of memory nobody else references), which spares one buffer allocation per read.
   */
  copyOut(len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const abs = this.#pos;
    const i = this.#find(abs);
    const c = this.#chunks[i]!;
    const from = abs - this.#starts[i]!;
    if (from + len > c.length) return this.view(0, len);
    if (len > ARENA_BLOCK >> 4) return c.slice(from, from + len);
    if (this.#arenaUsed + len > ARENA_BLOCK) {
      this.#arena = new Uint8Array(ARENA_BLOCK);
      this.#arenaUsed = 0;
    }
    const out = this.#arena.subarray(this.#arenaUsed, this.#arenaUsed + len);
    out.set(c.subarray(from, from + len));
    this.#arenaUsed += len;
    return out;
  }

  /** A copy of the whole queue. */
  copy(): Uint8Array {
    return this.copyOut(this.length);
  }
}
