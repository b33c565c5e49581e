import { type PathAttributes, pathAttributesKey, WELL_KNOWN_COMMUNITY } from "@dyninfra/bgp-wire";

/** Community flags cached per attribute set. */
export const NO_EXPORT = 1;
export const NO_ADVERTISE = 2;
export const NO_EXPORT_SUBCONFED = 4;

const ORIGIN_CODE: Record<string, number> = { IGP: 0, EGP: 1, INCOMPLETE: 2 };

function ipv4(s: string | undefined): number {
  if (s === undefined) return -1;
  const p = s.split(".");
  if (p.length !== 4) return -1;
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}

/**
 * Interned, reference-counted attribute sets (as OpenBGPD does): equal sets share one id; the
 * values the decision process needs are decoded once per set into typed arrays. A set whose
 * count drops to zero is freed at the next {@link AttributeStore.sweep}, so ids stay valid for the
 * rest of a batch.
 */
export class AttributeStore {
  private readonly ids = new Map<string, number>();
  private attrs: (PathAttributes | undefined)[] = [];
  private keys: (string | undefined)[] = [];
  private free: number[] = [];
  private zero: number[] = [];
  refs = new Int32Array(1024);
  /** LOCAL_PREF or -1. */
  localPref = new Float64Array(1024);
  /** MULTI_EXIT_DISC or -1. */
  med = new Float64Array(1024);
  /** AS_PATH length per RFC 4271 §9.1.2.2 (a) / RFC 5065. */
  pathLength = new Int32Array(1024);
  /** Leftmost AS outside confederation segments, 0 if none. */
  neighborAs = new Float64Array(1024);
  origin = new Uint8Array(1024);
  /** ORIGINATOR_ID as uint32 or -1. */
  originator = new Float64Array(1024);
  clusterLength = new Int32Array(1024);
  communityFlags = new Uint8Array(1024);
  /** 1 when the AS_PATH has AS_CONFED_SEQUENCE / AS_CONFED_SET segments. */
  hasConfed = new Uint8Array(1024);
  /** Next-hop resolution cache: 0 unknown, 1 reachable, 2 unreachable. */
  nhState = new Uint8Array(1024);
  igpCost = new Float64Array(1024);
  /** Loop-check cache for the owning RIB: 0 unknown, 1 no loop, 2 loop. */
  loop = new Uint8Array(1024);
  private count = 0;

  /** Number of live sets. */
  get size(): number {
    return this.ids.size;
  }

  /** The attribute set of an id. */
  get(id: number): PathAttributes {
    return this.attrs[id]!;
  }

  /** Interns a set and takes one reference. */
  intern(a: PathAttributes): number {
    // bgp-wire's key renders ORIGIN by its first letter, so IGP and INCOMPLETE would collide:
    // prefix the ORIGIN code.
    const key = `${a.origin === undefined ? "-" : ORIGIN_CODE[a.origin]}${pathAttributesKey(a)}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.free.pop() ?? this.count++;
      if (id >= this.refs.length) this.grow();
      this.ids.set(key, id);
      this.attrs[id] = a;
      this.keys[id] = key;
      this.decode(id, a);
    }
    this.refs[id]!++;
    return id;
  }

  /** Interns and returns the id without keeping a reference (freed at the next sweep if unused). */
  peek(a: PathAttributes): number {
    const id = this.intern(a);
    this.unref(id);
    return id;
  }

  ref(id: number): void {
    if (id >= 0) this.refs[id]!++;
  }

  unref(id: number): void {
    if (id < 0) return;
    if (--this.refs[id]! === 0) this.zero.push(id);
  }

  /** Frees the sets no longer referenced. */
  sweep(): void {
    for (const id of this.zero) {
      if (this.refs[id] !== 0 || this.attrs[id] === undefined) continue;
      this.ids.delete(this.keys[id]!);
      this.attrs[id] = undefined;
      this.keys[id] = undefined;
      this.free.push(id);
    }
    this.zero = [];
  }

  /** Forgets cached next-hop resolutions (after the IGP changed). */
  invalidateNextHops(): void {
    this.nhState.fill(0);
  }

  private decode(id: number, a: PathAttributes): void {
    this.localPref[id] = a.localPref ?? -1;
    this.med[id] = a.multiExitDisc ?? -1;
    this.origin[id] = a.origin === undefined ? 2 : (ORIGIN_CODE[a.origin] ?? 2);
    let len = 0;
    let nbr = 0;
    let confed = 0;
    for (const seg of a.asPath ?? []) {
      if (seg.type === "AS_CONFED_SEQUENCE" || seg.type === "AS_CONFED_SET") confed = 1;
      if (seg.type === "AS_SEQUENCE") {
        if (nbr === 0 && seg.asns.length > 0) nbr = seg.asns[0]!;
        len += seg.asns.length;
      } else if (seg.type === "AS_SET") {
        len += 1;
      }
    }
    this.pathLength[id] = len;
    this.hasConfed[id] = confed;
    this.neighborAs[id] = nbr;
    this.originator[id] = ipv4(a.originatorId);
    this.clusterLength[id] = a.clusterList?.length ?? 0;
    let f = 0;
    for (const c of a.communities ?? []) {
      if (c === WELL_KNOWN_COMMUNITY.NO_EXPORT) f |= NO_EXPORT;
      else if (c === WELL_KNOWN_COMMUNITY.NO_ADVERTISE) f |= NO_ADVERTISE;
      else if (c === WELL_KNOWN_COMMUNITY.NO_EXPORT_SUBCONFED) f |= NO_EXPORT_SUBCONFED;
    }
    this.communityFlags[id] = f;
    this.nhState[id] = 0;
    this.loop[id] = 0;
  }

  private grow(): void {
    const n = this.refs.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => {
      const t = new (a.constructor as new (n: number) => T)(n);
      t.set(a);
      return t;
    };
    this.refs = g(this.refs);
    this.localPref = g(this.localPref);
    this.med = g(this.med);
    this.pathLength = g(this.pathLength);
    this.neighborAs = g(this.neighborAs);
    this.origin = g(this.origin);
    this.originator = g(this.originator);
    this.clusterLength = g(this.clusterLength);
    this.communityFlags = g(this.communityFlags);
    this.hasConfed = g(this.hasConfed);
    this.nhState = g(this.nhState);
    this.igpCost = g(this.igpCost);
    this.loop = g(this.loop);
  }
}
