import { decodeRtrPdu, encodeRtrPdu, type RtrPdu, type RtrVersion } from "@dyninfra/bgp-wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FakeCache } from "./rtr-fake-cache";
import { RtrSession, type RtrStep, type RtrVrp } from "./rtr-session";

// Model-based: a router session against a cache whose data changes, restarts and forgets its
// history, with notifications, polls, lost connections and expiry in any order. After every
// completed exchange the router's VRPs are the cache's; the updates it emitted, applied in order
// to an empty set, give the same set (so a consumer applying them incrementally — a RoaTable —
// stays exact); and while not synchronised it keeps the data it had.

const key = (v: RtrVrp): string => `${v.prefix} ${v.maxLength} ${v.asn}`;

const vrpArb: fc.Arbitrary<RtrVrp> = fc.oneof(
  fc
    .record({
      a: fc.integer({ min: 0, max: 7 }),
      len: fc.integer({ min: 8, max: 24 }),
      extra: fc.integer({ min: 0, max: 8 }),
      asn: fc.integer({ min: 0, max: 4 }),
    })
    .map(({ a, len, extra, asn }) => ({
      prefix: `10.${a * 32}.0.0/${Math.max(len, 11)}`,
      maxLength: Math.min(32, Math.max(len, 11) + extra),
      asn: 64496 + asn,
    })),
  // Canonical text (RFC 5952), as a cache's PDU decodes: 2001:db8::/32–48, 2001:db8:N::/48.
  fc
    .record({
      a: fc.integer({ min: 0, max: 7 }),
      len: fc.integer({ min: 32, max: 48 }),
      extra: fc.integer({ min: 0, max: 16 }),
      asn: fc.integer({ min: 0, max: 2 }),
    })
    .map(({ a, len, extra, asn }) => {
      const l = a === 0 ? len : 48;
      return {
        prefix: a === 0 ? `2001:db8::/${l}` : `2001:db8:${(a * 8).toString(16)}::/${l}`,
        maxLength: l + extra,
        asn: 64496 + asn,
      };
    }),
);

interface World {
  cache: FakeCache;
  session: RtrSession;
  /** The router's view rebuilt from the updates emitted. */
  applied: Map<string, RtrVrp>;
  connected: boolean;
  /** What the router had when the last exchange completed. */
  synced: Map<string, RtrVrp> | undefined;
  /** Whether an exchange ran since the last check. */
  exchanged: boolean;
  wire: boolean;
}

/** Each PDU through the real codec (encode, decode) when `wire`. */
const viaWire = (w: World, p: RtrPdu): RtrPdu => (w.wire ? decodeRtrPdu(encodeRtrPdu(p)).pdu : p);

function apply(w: World, step: RtrStep): void {
  if (step.update !== undefined) {
    for (const v of step.update.withdrawn) {
      expect(w.applied.has(key(v))).toBe(true);
      w.applied.delete(key(v));
    }
    for (const v of step.update.announced) {
      expect(w.applied.has(key(v))).toBe(false);
      w.applied.set(key(v), v);
    }
  }
}

/** Runs the exchange that `step`'s PDUs start until the router is idle or the connection closes. */
function exchange(w: World, first: RtrStep): void {
  w.exchanged = true;
  const queue: RtrPdu[] = [...first.send];
  apply(w, first);
  if (first.close !== undefined) {
    w.connected = false;
    return;
  }
  let guard = 0;
  while (queue.length > 0) {
    if (++guard > 100) throw new Error("exchange does not end");
    const q = queue.shift()!;
    const answers = w.cache.answer(viaWire(w, q));
    for (const a of answers) {
      const step = w.session.receive(viaWire(w, a));
      apply(w, step);
      if (step.close !== undefined) {
        w.connected = false;
        // A version downgrade reconnects at once.
        if (step.close.reconnectNow) connect(w);
        return;
      }
      queue.push(...step.send);
    }
    if (answers.some((a) => a.type === "error-report")) {
      w.connected = false;
      w.session.disconnected();
      return;
    }
  }
}

function connect(w: World): void {
  w.connected = true;
  exchange(w, w.session.connected());
}

function check(w: World): void {
  const mine = new Map([...w.session.vrps()].map((v) => [key(v), v]));
  expect(new Set(mine.keys())).toEqual(new Set(w.applied.keys()));
  const exchanged = w.exchanged;
  w.exchanged = false;
  if (w.connected && w.session.state === "idle" && exchanged) {
    expect(new Set(mine.keys())).toEqual(new Set(w.cache.current.keys()));
    expect(w.session.serial).toBe(w.cache.serial);
    expect(w.session.sessionId).toBe(w.cache.sessionId);
    w.synced = mine;
  } else if (w.synced !== undefined) {
    // Not synchronised: the data of the last exchange is kept.
    expect(new Set(mine.keys())).toEqual(new Set(w.synced.keys()));
  }
}

type Cmd = fc.Command<World, World>;
const cmd = (
  name: string,
  run: (w: World) => void,
  ok: (w: World) => boolean = () => true,
): Cmd => ({
  check: ok,
  run: (_m, w) => {
    run(w);
    check(w);
  },
  toString: () => name,
});

const commands = [
  fc
    .tuple(fc.array(vrpArb, { maxLength: 6 }), fc.array(fc.nat(20), { maxLength: 4 }))
    .map(([add, rm]) =>
      cmd(`change(+${add.map(key).join(",")} -${rm.join(",")})`, (w) => {
        const cur = [...w.cache.current.values()];
        w.cache.change(
          add,
          rm.filter((i) => i < cur.length).map((i) => cur[i]!),
        );
      }),
    ),
  fc.integer({ min: 1, max: 65535 }).map((id) => cmd(`restart(${id})`, (w) => w.cache.restart(id))),
  fc.constant(cmd("forgetHistory", (w) => w.cache.forgetHistory())),
  fc.constant(
    cmd(
      "notify",
      (w) => exchange(w, w.session.receive(viaWire(w, w.cache.notify(w.session.version)))),
      (w) => w.connected,
    ),
  ),
  fc.constant(
    cmd(
      "poll",
      (w) => exchange(w, w.session.poll()),
      (w) => w.connected,
    ),
  ),
  fc.constant(
    cmd(
      "disconnect",
      (w) => {
        w.session.disconnected();
        w.connected = false;
      },
      (w) => w.connected,
    ),
  ),
  fc.constant(cmd("connect", connect, (w) => !w.connected)),
  fc.constant(
    cmd(
      "expire",
      (w) => {
        const u = w.session.expire();
        if (u !== undefined) apply(w, { send: [], update: u });
        expect(w.session.size).toBe(0);
        w.synced = new Map();
      },
      (w) => !w.connected,
    ),
  ),
];

describe("RtrSession (model-based, RFC 8210 §8)", () => {
  it("follows the cache through changes, restarts, lost history, notifies, reconnects and expiry", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RtrVersion>(0, 1),
        fc.constantFrom<RtrVersion>(0, 1),
        fc.boolean(),
        fc.commands(commands, { maxCommands: 40 }),
        fc.constantFrom<"refuse" | "answer">("refuse", "answer"),
        (cacheVersion, routerVersion, wire, cmds, tooNew) => {
          const w: World = {
            cache: new FakeCache(7, cacheVersion, tooNew),
            session: new RtrSession(routerVersion),
            applied: new Map(),
            connected: false,
            synced: undefined,
            exchanged: false,
            wire,
          };
          connect(w);
          check(w);
          fc.modelRun(() => ({ model: w, real: w }), cmds);
          // Whatever happened, one more connection and poll synchronise the router.
          if (!w.connected) connect(w);
          exchange(w, w.session.poll());
          check(w);
          expect(w.session.state).toBe("idle");
          expect(new Set([...w.session.vrps()].map(key))).toEqual(new Set(w.cache.current.keys()));
          // A version 1 router ends on the cache's version.
          expect(w.session.version).toBe(Math.min(routerVersion, cacheVersion));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("answers a duplicate announcement or an unknown withdrawal with an Error Report and keeps its data", () => {
    fc.assert(
      fc.property(fc.array(vrpArb, { minLength: 1, maxLength: 6 }), fc.boolean(), (vrps, dup) => {
        const cache = new FakeCache(9, 1);
        cache.change(vrps, []);
        const w: World = {
          cache,
          session: new RtrSession(1),
          applied: new Map(),
          connected: false,
          synced: undefined,
          exchanged: false,
          wire: true,
        };
        connect(w);
        check(w);
        const before = new Set([...w.session.vrps()].map(key));
        const s = w.session.poll();
        expect(s.send[0]!.type).toBe("serial-query");
        expect(
          w.session.receive({ type: "cache-response", version: 1, sessionId: 9 }).send,
        ).toEqual([]);
        const v = [...cache.current.values()][0]!;
        const bad = dup
          ? { ...v, prefix: v.prefix, announce: true }
          : { prefix: "192.0.2.0/24", maxLength: 24, asn: 1, announce: false };
        const step = w.session.receive({ type: "prefix", version: 1, ...bad });
        expect(step.close).toBeDefined();
        expect(step.send).toHaveLength(1);
        const report = step.send[0]!;
        expect(report.type).toBe("error-report");
        if (report.type === "error-report") {
          expect(report.errorCode).toBe(dup ? 7 : 6);
          // The offending PDU, as received, is in the report.
          const inner = decodeRtrPdu(report.pdu).pdu;
          expect(inner).toMatchObject({
            type: "prefix",
            announce: bad.announce,
            prefix: bad.prefix,
          });
        }
        expect(new Set([...w.session.vrps()].map(key))).toEqual(before);
        expect(w.session.state).toBe("disconnected");
      }),
      { numRuns: 200 },
    );
  });
});
