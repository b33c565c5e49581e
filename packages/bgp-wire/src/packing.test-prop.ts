import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { decodeMessage, encodeMessage } from "./codec";
import type { UpdateMessage } from "./messages";
import { encodeAnnouncements, encodeWithdrawals } from "./packing";
import { type Prefix, prefixKey } from "./prefix";
import { arbitraryPathAttributes, arbitraryPrefix, arbitrarySessionContext } from "./testing";

const sizeOf = (p: Prefix, addPath: boolean): number =>
  (addPath ? 4 : 0) + 1 + Math.ceil(p.length / 8);

const input = arbitrarySessionContext().chain((ctx) =>
  fc.record({
    ctx: fc.constant(ctx),
    attrs: arbitraryPathAttributes({ fourOctetAs: ctx.fourOctetAs }),
    v4: fc.array(
      arbitraryPrefix({ afi: 1, pathId: ctx.addPath.some((f) => f.afi === 1 && f.safi === 1) }),
      {
        maxLength: 1500,
      },
    ),
    v6: fc.array(
      arbitraryPrefix({ afi: 2, pathId: ctx.addPath.some((f) => f.afi === 2 && f.safi === 1) }),
      {
        maxLength: 600,
      },
    ),
  }),
);

test.prop([input], { numRuns: 20 })(
  "announcements: every prefix exactly once, each UPDATE within the maximum, all but the last full",
  ({ ctx, attrs, v4, v6 }) => {
    const withMp = {
      origin: "IGP" as const,
      asPath: [],
      nextHop: "192.0.2.1",
      ...attrs,
      mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::1"], nlri: [] },
    };
    const max = ctx.extendedMessage ? 65535 : 4096;
    const msgs = encodeAnnouncements(withMp, [...v4, ...v6], ctx);
    const got: string[] = [];
    const decoded = msgs.map((b) => {
      expect(b.length).toBeLessThanOrEqual(max);
      const m = decodeMessage(b, ctx) as UpdateMessage;
      // The packer's bytes are the codec's own encoding of the message they decode to.
      expect(encodeMessage(m, ctx)).toEqual(b);
      const { mpReachNlri, ...rest } = m.pathAttributes;
      const { mpReachNlri: _t, ...expected } = withMp;
      expect(rest).toEqual(expected);
      const ps = [...m.nlri, ...(mpReachNlri?.nlri ?? [])];
      got.push(...ps.map(prefixKey));
      return { bytes: b.length, v4: m.nlri.length > 0 };
    });
    expect(got.sort()).toEqual([...v4, ...v6].map(prefixKey).sort());
    // Maximality per family: no leftover prefix of the family would fit in an earlier UPDATE.
    for (const [fam, list] of [
      [true, v4],
      [false, v6],
    ] as const) {
      const ms = decoded.filter((d) => d.v4 === fam);
      if (ms.length < 2) continue;
      const smallest = Math.min(
        ...list.map((p) =>
          sizeOf(
            p,
            ctx.addPath.some((f) => f.afi === p.afi && f.safi === 1),
          ),
        ),
      );
      for (const m of ms.slice(0, -1))
        expect(m.bytes + smallest).toBeGreaterThan(max - (fam ? 0 : 1));
    }
  },
);

test.prop([input], { numRuns: 20 })(
  "withdrawals: every prefix exactly once, within the maximum",
  ({ ctx, v4, v6 }) => {
    const max = ctx.extendedMessage ? 65535 : 4096;
    const msgs = encodeWithdrawals([...v4, ...v6], ctx);
    const got: string[] = [];
    for (const b of msgs) {
      expect(b.length).toBeLessThanOrEqual(max);
      const m = decodeMessage(b, ctx) as UpdateMessage;
      got.push(
        ...m.withdrawnRoutes.map(prefixKey),
        ...(m.pathAttributes.mpUnreachNlri?.withdrawnRoutes ?? []).map(prefixKey),
      );
    }
    expect(got.sort()).toEqual([...v4, ...v6].map(prefixKey).sort());
    const total = v4.reduce(
      (n, p) =>
        n +
        sizeOf(
          p,
          ctx.addPath.some((f) => f.afi === 1),
        ),
      0,
    );
    // Lower bound: total prefix octets over the room of one UPDATE.
    if (v6.length === 0 && v4.length > 0)
      expect(msgs.length).toBeLessThanOrEqual(Math.ceil(total / (max - 23 - 20)) + 0);
  },
);
