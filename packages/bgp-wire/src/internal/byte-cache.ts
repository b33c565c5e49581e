// A bounded map from byte strings to values, keyed by an FNV-1a hash and verified by comparing
// bytes: no string is built per lookup (decoding hot path).

function fnv(b: Uint8Array, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Slot<V> {
  key: Uint8Array;
  salt: number;
  value: V;
  next: Slot<V> | undefined;
}

export class ByteCache<V> {
  private map = new Map<number, Slot<V>>();
  private size = 0;
  private lookups = 0;
  private hits = 0;
  private bypass = 0;
  constructor(private readonly limit: number) {}

  /**
   * The value for (`key`, `salt`): a stored one, else `make()`. A value that is stored (and so
   * shared by later lookups) goes through `share` first (e.g. `Object.freeze`).
   */
  get(key: Uint8Array, salt: number, make: () => V, share?: (v: V) => V): V {
    // When nearly every key is new (e.g. an UPDATE stream), caching only feeds the garbage
    // collector: bypass it for a while and sample again later.
    if (this.bypass > 0) {
      this.bypass--;
      return make();
    }
    if (++this.lookups === 4096) {
      if (this.hits < 1024) {
        this.bypass = 65536;
        this.map = new Map();
        this.size = 0;
      }
      this.lookups = 0;
      this.hits = 0;
    }
    const h = fnv(key, salt);
    let s = this.map.get(h);
    for (let t = s; t !== undefined; t = t.next)
      if (t.salt === salt && same(t.key, key)) {
        this.hits++;
        return t.value;
      }
    const value = share === undefined ? make() : share(make());
    if (this.size >= this.limit) {
      this.map = new Map();
      this.size = 0;
      s = undefined;
    }
    this.map.set(h, { key: key.slice(), salt, value, next: s });
    this.size++;
    return value;
  }
}
