import { type PathAttributes, pathAttributesKey } from "@dyninfra/bgp-wire";
import { arbitraryPathAttributes } from "@dyninfra/bgp-wire/testing";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { attributesEqual, attributesHash } from "./attribute-hash";
import { AttributeStore, HAS_LOCAL_PREF, HAS_ORIGINATOR } from "./attribute-store";

// The reference: bgp-wire's canonical string key (with the ORIGIN code, which the key renders by
// its first letter only).
const key = (a: PathAttributes): string => `${a.origin ?? "-"}|${pathAttributesKey(a)}`;

// Pairs that are often equal: a set and a variation of one field (or a structural copy).
const variant = (a: PathAttributes): fc.Arbitrary<PathAttributes> =>
  fc.oneof(
    fc.constant(structuredClone(a)),
    fc.constant({ ...a, multiExitDisc: (a.multiExitDisc ?? 0) + 1 }),
    fc.constant({ ...a, communities: [...(a.communities ?? []), 65535] }),
    fc.constant({ ...a, origin: a.origin === "IGP" ? ("INCOMPLETE" as const) : ("IGP" as const) }),
    fc.constant({ ...a, asPath: [...(a.asPath ?? []), { type: "AS_SET" as const, asns: [1] }] }),
    fc.constant({ ...a, mpReachNlri: undefined, nextHop: undefined }),
    fc.constant({ ...a, localPref: undefined }),
  );
const pair = arbitraryPathAttributes().chain((a) =>
  fc.tuple(fc.constant(a), fc.oneof(variant(a), arbitraryPathAttributes())),
);

test.prop([pair], { numRuns: 400 })(
  "attributesEqual agrees with pathAttributesKey equality, and equal sets hash alike",
  ([a, b]) => {
    expect(attributesEqual(a, b)).toBe(key(a) === key(b));
    expect(attributesEqual(b, a)).toBe(key(a) === key(b));
    if (key(a) === key(b)) expect(attributesHash(a)).toBe(attributesHash(b));
  },
);

test.prop(
  [
    fc.array(fc.tuple(fc.boolean(), fc.nat(30)), { maxLength: 200 }),
    fc.array(arbitraryPathAttributes(), { minLength: 1, maxLength: 30 }),
  ],
  { numRuns: 60 },
)(
  "model-based: interning returns one id per distinct set while referenced; freed ids are swept",
  (ops, sets) => {
    const st = new AttributeStore();
    const held: number[] = [];
    const model = new Map<string, number>(); // key → id while live
    for (const [add, k] of ops) {
      if (add || held.length === 0) {
        const a = sets[k % sets.length]!;
        const id = st.intern(a);
        const known = model.get(key(a));
        if (known !== undefined) expect(id).toBe(known);
        model.set(key(a), id);
        held.push(id);
        expect(attributesEqual(st.get(id), a)).toBe(true);
      } else {
        const id = held.splice(k % held.length, 1)[0]!;
        st.unref(id);
        st.sweep();
        if (!held.includes(id)) for (const [kk, v] of model) if (v === id) model.delete(kk);
      }
      expect(st.size).toBe(new Set(held).size);
    }
  },
);

test.prop(
  [
    fc.array(fc.tuple(arbitraryPathAttributes(), fc.constantFrom(0, 100, 200, 4294967295)), {
      minLength: 1,
      maxLength: 20,
    }),
  ],
  { numRuns: 80 },
)(
  "a set derived with another LOCAL_PREF (iBGP export) is the one interning the whole set finds: same id, equal set, same decoded values",
  (list) => {
    const derived = new AttributeStore();
    const whole = new AttributeStore();
    const fields = [
      "present",
      "localPref",
      "med",
      "pathLength",
      "neighborAs",
      "origin",
      "communityFlags",
      "pathFlags",
    ] as const;
    for (const [a, lp] of list) {
      const src = derived.intern(a);
      const id = derived.peekWithLocalPref(src, lp);
      const want = { ...a, localPref: lp };
      expect(attributesEqual(derived.get(id), want)).toBe(true);
      expect(key(derived.get(id))).toBe(key(want));
      // Interning the whole set finds the derived one (hash and equality agree).
      expect(derived.peek(want)).toBe(id);
      // Decoded as if it had been interned whole.
      const ref = whole.intern(want);
      for (const f of fields) expect(derived[f][id], f).toBe(whole[f][ref]);
      expect(derived.clusterLength(id)).toBe(whole.clusterLength(ref));
      const orig = (st: AttributeStore, i: number) =>
        st.present[i]! & HAS_ORIGINATOR ? st.originator![i] : -1;
      expect(orig(derived, id)).toBe(orig(whole, ref));
    }
  },
);

test.prop(
  [
    fc.array(
      fc.tuple(
        arbitraryPathAttributes(),
        fc.option(fc.constantFrom(0, 100, 4294967295), { nil: undefined }),
      ),
      { minLength: 1, maxLength: 20 },
    ),
  ],
  { numRuns: 80 },
)(
  "interning a set without its LOCAL_PREF (from an external peer) is interning the copy without it: same id, equal stored set, no LOCAL_PREF decoded",
  (list) => {
    const st = new AttributeStore();
    for (const [base, lp] of list) {
      const { localPref: _, ...rest } = base;
      const a = lp === undefined ? rest : { ...rest, localPref: lp };
      const id = st.internWithoutLocalPref(a);
      // In either order of interning, the two ways find one set.
      expect(st.intern(rest)).toBe(id);
      expect(st.internWithoutLocalPref(a)).toBe(id);
      expect(st.get(id).localPref).toBeUndefined();
      expect(attributesEqual(st.get(id), rest)).toBe(true);
      expect(key(st.get(id))).toBe(key(rest));
      expect(st.present[id]! & HAS_LOCAL_PREF).toBe(0);
      // A set that does carry that LOCAL_PREF is another one.
      if (lp !== undefined) expect(st.peek(a)).not.toBe(id);
    }
  },
);
