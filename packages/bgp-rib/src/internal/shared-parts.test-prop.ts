import type { PathAttributes } from "@dyninfra/bgp-wire";
import { arbitraryPathAttributes } from "@dyninfra/bgp-wire/testing";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { attributesEqual } from "./attribute-hash";
import { SharedParts } from "./shared-parts";

// Sets that share parts by value but never by object (structured clones), so sharing is visible.
const sets = fc.array(arbitraryPathAttributes(), { minLength: 1, maxLength: 8 }).chain((base) =>
  fc
    .array(fc.tuple(fc.nat(base.length - 1), fc.nat(base.length - 1), fc.option(fc.nat(1000))), {
      minLength: 1,
      maxLength: 40,
    })
    .map((picks) =>
      picks.map(([i, j, med]): PathAttributes => {
        // Parts of two base sets mixed: the same AS_PATH with other communities, etc.
        const a = structuredClone(base[i]!);
        const b = structuredClone(base[j]!);
        const m: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...a };
        if (b.communities !== undefined) m.communities = b.communities;
        if (b.clusterList !== undefined) m.clusterList = b.clusterList;
        if (med !== null) m.multiExitDisc = med;
        return m;
      }),
    ),
);

const PARTS = ["asPath", "communities", "clusterList", "aggregator", "nextHop"] as const;

test.prop([sets, fc.nat(40)], { numRuns: 150 })(
  "canonical sets equal their input, equal parts become one object, also across a rebuild",
  (list, cut) => {
    const parts = new SharedParts();
    let out = list.map((a) => parts.canonical(a));
    const check = (): void => {
      for (let i = 0; i < list.length; i++) {
        expect(attributesEqual(out[i]!, list[i]!)).toBe(true);
        expect(out[i]).toEqual(list[i]);
        for (let k = 0; k < i; k++)
          for (const f of PARTS) {
            const x = out[i]![f];
            const y = out[k]![f];
            if (x !== undefined && y !== undefined && JSON.stringify(x) === JSON.stringify(y))
              expect(x).toBe(y);
          }
      }
      // CLUSTER_LIST entries and ORIGINATOR_ID are shared strings as well: equal values, one
      // string; not observable in JavaScript beyond equality, so equality is what is checked.
    };
    check();
    // A rebuild from the live ones (a prefix of the list), then the rest again: still shared.
    const live = out.slice(0, cut % (out.length + 1));
    parts.rebuild(live);
    out = [...live, ...list.slice(live.length).map((a) => parts.canonical(a))];
    check();
    // The table holds parts whenever a set has one (an AS_PATH, communities, an AGGREGATOR…);
    // sets with none of them (e.g. `{}`) leave it empty.
    const hasParts = out.some(
      (a) => a.asPath !== undefined || a.communities !== undefined || a.aggregator !== undefined,
    );
    expect(parts.size > 0 || !hasParts).toBe(true);
  },
);
